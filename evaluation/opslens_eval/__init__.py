"""How opslens is measured, kept out of the product: the Nezha importer and evaluation, the
scoring of root-cause rankings, and the test beds (seeded backends, synthetic Prometheus
history, a Kubernetes shop, the question catalogs, the alert path) that the tests and the
benchmarks in ``bench/`` share. Installed only in development (editable) installs, never in
the wheel."""
