# accord's make targets. The two commands in the README need no make.

.PHONY: test bench fuzz

test:
	go test ./...

# bench runs the benchmarks and prints each figure beside the baseline
# measured in the same run, as a ratio.
bench:
	./.ci/bench

# fuzz runs every fuzz target for FUZZTIME each.
FUZZTIME ?= 30s
fuzz:
	go test ./internal/declaration -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)
	go test ./internal/treaty -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)
	go test ./entry -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)
	go test ./entry -run '^$$' -fuzz FuzzCanonicalJSON -fuzztime $(FUZZTIME)
