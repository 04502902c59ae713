"""opslens MCP servers: JSON-RPC 2.0 and MCP front ends over Prometheus, OpenSearch and Kubernetes.

The protocol core (``opslens_mcp.core``) is shared by every server; each backend has a
subpackage with its settings, client, pure query builders and tools.
"""

__version__ = "0.1.0"
