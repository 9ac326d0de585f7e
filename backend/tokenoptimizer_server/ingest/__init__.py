"""Ingestion: validate usage events, price them and store each batch in one transaction."""
