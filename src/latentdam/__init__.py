"""latentdam: search engine and asset library for AI-generated images."""
