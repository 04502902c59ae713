"""The Prometheus MCP server: metrics tools that always show the PromQL they ran."""
