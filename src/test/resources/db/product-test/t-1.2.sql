--liquibase formatted sql

--changeset product-test:t-1.2-unique-title
ALTER TABLE notes ADD CONSTRAINT notes_title_unique UNIQUE (title);
--rollback ALTER TABLE notes DROP CONSTRAINT notes_title_unique;
