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
	go test ./internal/declaration -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME)
	go test ./internal/treaty -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME)
	go test ./internal/treaty -run '^$$' -fuzz '^FuzzParseDate$$' -fuzztime $(FUZZTIME)
	go test ./internal/treaty -run '^$$' -fuzz '^FuzzParsePeriod$$' -fuzztime $(FUZZTIME)
	go test ./internal/treaty -run '^$$' -fuzz '^FuzzParseDueRule$$' -fuzztime $(FUZZTIME)
	go test ./entry -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	go test ./entry -run '^$$' -fuzz '^FuzzCanonicalJSON$$' -fuzztime $(FUZZTIME)
	go test ./entry -run '^$$' -fuzz '^FuzzIsCanonical$$' -fuzztime $(FUZZTIME)
	go test ./entry -run '^$$' -fuzz '^FuzzReceipt$$' -fuzztime $(FUZZTIME)
	go test ./internal/registry -run '^$$' -fuzz '^FuzzParseNotification$$' -fuzztime $(FUZZTIME)
	go test ./internal/registry -run '^$$' -fuzz '^FuzzParseAcknowledgement$$' -fuzztime $(FUZZTIME)
	go test ./internal/registry -run '^$$' -fuzz '^FuzzParseInspection$$' -fuzztime $(FUZZTIME)
	go test ./internal/evidence -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	go test ./internal/witness -run '^$$' -fuzz '^FuzzParseRequest$$' -fuzztime $(FUZZTIME)
	go test ./internal/node -run '^$$' -fuzz '^FuzzLoadConfig$$' -fuzztime $(FUZZTIME)
