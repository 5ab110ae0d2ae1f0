--liquibase formatted sql

--changeset keyhub:catalog-1.2.0-migration-task-indexes
-- A job's running and failed tasks are few; the runner asks about them after every task. Without these, each
-- question walked every task of the job (and their dead versions), so a job slowed down as it grew.
CREATE INDEX migration_tasks_running ON migration_tasks (job_id, phase) WHERE state = 'RUNNING';
CREATE INDEX migration_tasks_failed ON migration_tasks (job_id, phase) WHERE state = 'FAILED';
--rollback DROP INDEX migration_tasks_failed;
--rollback DROP INDEX migration_tasks_running;
