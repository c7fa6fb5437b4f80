# accord's make targets. The two commands in the README need no make.

.PHONY: test bench fuzz

test:
	go test ./...

# bench runs the benchmarks and prints each figure beside the baseline
# measured in the same run, as a ratio.
bench:
	./.ci/bench

# fuzz runs every fuzz target for FUZZTIME each (see .ci/fuzz).
fuzz:
	./.ci/fuzz
