//go:build !linux

package pades

func renameNoReplace(from, to string) error { return linkNoReplace(from, to) }
