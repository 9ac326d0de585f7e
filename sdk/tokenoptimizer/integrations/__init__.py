"""Provider integrations; each module imports its provider SDK and says which extra to install."""
