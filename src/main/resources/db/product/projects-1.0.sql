--liquibase formatted sql

--changeset keyhub-example:projects-1.0-projects
-- Projects and their tasks, the worked example of a product's tables: they refer to KeyHub's users, never
-- the other way round, and are listed newest first by (created_at, id).
CREATE TABLE projects (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_newest ON projects (created_at DESC, id DESC);
CREATE TABLE tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 500),
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_newest ON tasks (project_id, created_at DESC, id DESC);
--rollback DROP TABLE tasks;
--rollback DROP TABLE projects;
