// Package agent runs PKCS#11 modules in a child process, the agent, that
// Siegel can abandon and restart, so that a module that never returns does
// not freeze the app.
//
// # Why a process
//
// OpenSC 0.23 can deadlock when a card is pulled during C_Sign (4 of 25 runs
// on the test machine, TESTSTACK.md): that call never returns, and every
// later PKCS#11 call in the same process hangs as well, because the module
// holds its locks. Cryptoki v2.40 has no way to cancel a call, and
// C_Finalize would wait for the same locks. In-process, the signing/pkcs11
// backend can only leave the hung call running in a goroutine; the module
// stays unusable until the process ends. A process can be killed: its
// module, sessions and locks go with it, and a fresh process loads the
// module again.
//
// # Shape
//
// The parent (an Agent) starts the child with the hidden CLI command
// CommandName; the child runs Serve on its standard input and output and
// does the real work with signing/pkcs11: ListTokens, Open, Sign, Close.
// Requests and answers are length-prefixed frames with JSON bodies; calls
// are numbered, so several keys can sign at once. The parent's Key
// implements signing.Key and signing.ContextSigner; its chain is read once
// at Open and kept in the parent.
//
// PIN prompts travel back: when the child's key needs a PIN it sends a
// request frame with the signing.PINRequest, the parent calls the Key's
// signing.PINFunc, and sends the PIN (or the callback's error) back. A PIN
// travels as the raw bytes of one frame, outside any encoder, so that both
// sides can zero every copy after use; it is never logged and never part of
// an error. A PIN is never retried on the person's behalf.
//
// Errors cross the boundary as codes for the sentinel errors of package
// signing (and *signing.PINError with its fields), together with the
// child's message, so errors.Is and errors.As work in the parent as they do
// in-process.
//
// # Watchdog
//
// Every call has a deadline, Options.CallTimeout (5 s by default), that
// does not count time spent waiting for the person: the clock stops while a
// PIN prompt is open in the parent and starts again, in full, when the
// answer is sent. After a pin-pad prompt (the PIN is typed on the reader
// during C_Login) the budget is Options.PINPadTimeout (90 s). When a call
// overruns, the parent kills the child's process group and the call fails
// with an error wrapping ErrUnresponsive and ErrStopped, and, for a
// signature, signing.ErrTokenRemoved, since a card pulled during signing is
// what hangs modules. A call is never repeated: a signature may have been
// made. A child that exits or breaks the protocol is detected the same way
// (ErrExited). Every Key of a stopped child is dead: its calls fail at once
// with ErrStopped. The next call on the Agent starts a fresh child.
//
// When the caller's context ends, the call returns at once with
// signing.ErrCancelled. An open PIN prompt is answered with a cancellation;
// a token call in progress is left to finish under the watchdog rather
// than killing the child, because a kill logs out every key of the agent
// and a call that lands in the middle of a few milliseconds of token work
// is almost always answered. A late answer is discarded.
//
// The child dies with the parent: on Linux through the parent-death signal,
// everywhere because Serve ends when its standard input reaches EOF.
//
// # Tests
//
// A hanging module cannot be had from SoftHSM2, so the child honours one
// fake: started with FakeHangSignEnv=1 in its environment it signs as
// usual, PIN prompt included, and then never answers the Sign request. The
// variable is ignored unless set, and no code path of Siegel sets it.
//
// Test binaries can be their own agent: a TestMain that runs ServeStdio when
// os.Args[1] is CommandName (what the default Options.Command passes) or
// when an environment marker of the test's choosing is set.
package agent
