// A loopback SMTP server for scripts/browser-check: accepts every message and
// appends its decoded text (quoted-printable and base64 parts decoded) to a file,
// so the script can read the links Roster sends (the outbox never holds their
// secrets in the clear). Prints its port, then runs until killed.
// Usage: node smtp-sink.mjs MAIL_FILE
import { appendFileSync } from "node:fs";
import { createServer } from "node:net";

const [mailFile] = process.argv.slice(2);
if (!mailFile) {
  console.error("usage: node smtp-sink.mjs MAIL_FILE");
  process.exit(2);
}

function decodeQuotedPrintable(body) {
  const joined = body.replace(/=\n/g, "");
  const bytes = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i]));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

// The text of every part of a raw message, decoded and joined.
function decodedText(raw) {
  return raw
    .split("\n--")
    .map((section) => {
      const split = section.indexOf("\n\n");
      if (split < 0) return "";
      const headers = section.slice(0, split).toLowerCase();
      const body = section.slice(split + 2);
      if (headers.includes("content-transfer-encoding: base64")) {
        return Buffer.from(body.replace(/\s/g, ""), "base64").toString("utf8");
      }
      if (headers.includes("content-transfer-encoding: quoted-printable")) {
        return decodeQuotedPrintable(body);
      }
      return body;
    })
    .join("\n");
}

const server = createServer((socket) => {
  let buffered = "";
  let message = null;
  socket.write("220 browser-check SMTP\r\n");
  socket.on("data", (chunk) => {
    buffered += chunk.toString("utf8").replace(/\r\n/g, "\n");
    let end;
    while ((end = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (message !== null) {
        if (line === ".") {
          appendFileSync(mailFile, `${decodedText(message)}\n`);
          message = null;
          socket.write("250 queued\r\n");
        } else {
          message += `${line.startsWith(".") ? line.slice(1) : line}\n`;
        }
        continue;
      }
      const command = line.toUpperCase();
      if (command.startsWith("DATA")) {
        message = "";
        socket.write("354 end with <CRLF>.<CRLF>\r\n");
      } else if (command.startsWith("EHLO")) {
        socket.write("250-browser-check\r\n250 8BITMIME\r\n");
      } else if (command.startsWith("QUIT")) {
        socket.end("221 bye\r\n");
      } else {
        socket.write("250 ok\r\n");
      }
    }
  });
  socket.on("error", () => socket.destroy());
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
