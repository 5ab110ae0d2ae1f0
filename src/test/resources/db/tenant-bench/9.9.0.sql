--liquibase formatted sql

--changeset keyhub-bench:9.9.0-note
ALTER TABLE users ADD COLUMN bench_note text;
--rollback ALTER TABLE users DROP COLUMN bench_note;
