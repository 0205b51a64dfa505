-- Runs once, when the postgres volume is first initialised (docker-entrypoint-initdb.d).
-- Prefect's database is POSTGRES_DB (`prefect`); MLflow's backend store gets its own.
CREATE DATABASE mlflow OWNER loraforge;
