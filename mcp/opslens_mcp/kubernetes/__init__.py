"""The Kubernetes MCP server: read-only cluster state and diagnosis."""
