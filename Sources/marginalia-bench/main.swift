print("marginalia-bench: no benchmarks yet")
