// Starts GraphiQL on Roster's own page. Kept out of the HTML so that the page's
// Content-Security-Policy can refuse every inline script.
(function () {
  "use strict";
  var httpUrl = new URL("/graphql", window.location.href).toString();
  var wsUrl = httpUrl.replace(/^http/, "ws") + "/ws";
  // One fetcher per Authorization value: queries and mutations send the headers pane
  // with each request, while a subscription's socket carries the credential in
  // connection_init ({"authorization": "Bearer …"}), fixed for the socket's life.
  var fetchers = {};
  function fetcherFor(authorization) {
    var key = authorization || "";
    if (!fetchers[key]) {
      var wsClient = graphqlWs.createClient({
        url: wsUrl,
        lazy: true,
        connectionParams: key ? { authorization: key } : {},
      });
      fetchers[key] = GraphiQL.createFetcher({ url: httpUrl, wsClient: wsClient });
    }
    return fetchers[key];
  }
  function authorizationOf(headers) {
    if (!headers) return "";
    for (var name in headers) {
      if (name.toLowerCase() === "authorization") return String(headers[name]);
    }
    return "";
  }
  function fetcher(params, options) {
    return fetcherFor(authorizationOf(options && options.headers))(params, options);
  }
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultHeaders: "{}",
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultQuery: "# Sign in with the `login` mutation, then put the access token in the\n# Headers pane below as {\"Authorization\": \"Bearer <token>\"}.\n\n{\n  me {\n    username\n  }\n}\n",
    })
  );
})();
