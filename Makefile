# Siegel. `make run` starts the app, `make test` runs every check; both
# install their prerequisites first (Debian/Ubuntu).
GO ?= go
ARGS ?=

.PHONY: deps run build test bench bench-seal
deps:
	bash packaging/deps.sh

run: deps
	$(GO) run . $(ARGS)

build: deps
	$(GO) build -o siegel .

test: deps
	bash packaging/test.sh

bench: deps
	bash packaging/bench.sh

bench-seal: deps
	bash packaging/bench-seal.sh
