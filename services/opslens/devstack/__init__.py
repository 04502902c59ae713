"""The local backends for tests and the demo: Prometheus, OpenSearch, kube-apiserver."""
