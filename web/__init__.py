"""Flask-side glue: database sessions, services, errors and feature blueprints."""
