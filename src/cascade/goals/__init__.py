"""Goals, key results, contributions, check-ins and the incremental progress rollup."""
