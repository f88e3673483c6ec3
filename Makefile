# Convenience targets; CI runs .ci/run.
.PHONY: release-snapshot cross
release-snapshot:
	bash scripts/release-snapshot.sh
cross:
	bash .ci/cross-build
