--liquibase formatted sql

--changeset keyhub:catalog-1.12.0-login-join-code
-- A browser login may carry a join code (/auth/login?joinCode=…): the person signs in and joins the code's tenant in
-- one step. Only the code's hash is kept, as in join_code_index, for as long as the login's state lives.
ALTER TABLE oauth_states ADD COLUMN join_code_hash text;
--rollback ALTER TABLE oauth_states DROP COLUMN join_code_hash;
