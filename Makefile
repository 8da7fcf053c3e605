# Siegel. `make run` starts the app, `make test` runs every check; both
# install their prerequisites first (Debian/Ubuntu).
GO ?= go
ARGS ?=

.PHONY: deps run build test bench bench-seal deb deb-test linux-archive windows release
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

# Packages (see README, "Packages"); outputs go to dist/.
deb: deps
	bash packaging/deb.sh

# Installs the .deb with apt, signs and verifies with it, removes it.
deb-test: deps
	bash packaging/deb-test.sh

linux-archive: deps
	bash packaging/linux/archive.sh

windows: deps
	bash packaging/windows/release.sh
	bash packaging/windows/check.sh

# Everything this machine can build: .deb, Linux archive, Windows
# programs and installer (signed when SIEGEL_SIGN_* name a key).
release: deps
	bash packaging/release.sh
