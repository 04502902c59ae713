"""A Kubernetes shop written into the real kube-apiserver: a test bed."""
