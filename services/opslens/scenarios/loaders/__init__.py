"""Loading generated scenario files into OpenSearch, Prometheus and the Kubernetes API."""
