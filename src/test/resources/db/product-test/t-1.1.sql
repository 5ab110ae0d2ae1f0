--liquibase formatted sql

--changeset product-test:t-1.1-pinned
ALTER TABLE notes ADD COLUMN pinned boolean NOT NULL DEFAULT false;
--rollback ALTER TABLE notes DROP COLUMN pinned;
