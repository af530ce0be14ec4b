-- Scenario 1, the permission check project(id){ myAccess { role } }: the SQL the
-- service ran for one request (captured by bench/capture-sql, 2026-11-23, main at
-- a94e6e4), with its parameters as pgbench variables:
-- pgbench -n -M prepared -D user_id=<persona id> -D project_id=<its project>
-- (bench/run also sets jit=off, as the service does on its connections).
-- The signed-in viewer, read on every request:
SELECT "users"."id", "users"."username", "users"."email", "users"."name", "users"."password_hash", "users"."is_superuser", "users"."is_system", "users"."is_active", "users"."session_epoch", "users"."created_at", "users"."updated_at" FROM "users" WHERE "users"."id" = :user_id LIMIT 1;
-- The project's chain of ancestors with the viewer's assignment on each link:
WITH RECURSIVE chain(start_id, node_id, depth) AS ( SELECT id, id, 0 FROM projects WHERE id IN (:project_id) UNION ALL SELECT chain.start_id, up.parent_id, chain.depth + 1 FROM chain CROSS JOIN LATERAL (SELECT * FROM projects up WHERE up.id = chain.node_id OFFSET 0) up WHERE up.parent_id IS NOT NULL ) SELECT chain.start_id AS chain_start, chain.depth AS chain_depth, ra.role AS subject_role, ra.expires_at AS subject_expires_at, CAST(ipr.value AS TEXT) AS ip_restrict, CAST(ipa.value AS TEXT) AS ip_allow_list, p.* FROM chain CROSS JOIN LATERAL (SELECT * FROM projects p WHERE p.id = chain.node_id OFFSET 0) p LEFT JOIN role_assignments ra ON ra.project_id = p.id AND ra.user_id = :user_id LEFT JOIN setting_values ipr ON ipr.project_id = p.id AND ipr.user_id IS NULL AND ipr.namespace = 'roster' AND ipr.name = 'ip_restrict' LEFT JOIN setting_values ipa ON ipa.project_id = p.id AND ipa.user_id IS NULL AND ipa.namespace = 'roster' AND ipa.name = 'ip_allow_list' ORDER BY chain.start_id, chain.depth;
