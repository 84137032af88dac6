from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """Scale data and benchmarks (issue 9). No models: it writes other apps' tables in bulk."""

    name = "benchmarks"
    verbose_name = "Benchmarks"
