"""The OpenSearch MCP server: container logs, OpenTelemetry logs and Data Prepper traces."""
