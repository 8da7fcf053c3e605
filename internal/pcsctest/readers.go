package pcsctest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"
)

// The part of pcsc-lite's client protocol (winscard_msg.h, protocol 4.4,
// native byte order) that reads the readers' state: the same shared reader
// list that SCardGetStatusChange reports from, without cgo or libpcsclite.
const (
	cmdVersion         = 0x11 // CMD_VERSION
	cmdGetReadersState = 0x12 // CMD_GET_READERS_STATE
	protocolMajor      = 4
	protocolMinor      = 4
	maxReaders         = 16  // PCSCLITE_MAX_READERS_CONTEXTS
	readerStateSize    = 184 // sizeof(READER_STATE) on Linux
	maxReaderName      = 128 // MAX_READERNAME
	maxATR             = 33  // MAX_ATR_SIZE
)

// Reader state bits (pcsclite.h, SCARD_ABSENT etc.).
const (
	StateAbsent  = 0x0002
	StatePresent = 0x0004
	StatePowered = 0x0010
)

// ReaderState is one reader in pcscd's reader list.
type ReaderState struct {
	Name string
	// EventCounter counts card insertions and removals in this reader
	// since pcscd started; each new pcscd starts again from 0.
	EventCounter uint32
	State        uint32 // StatePresent, StatePowered, ...
	ATR          []byte
}

// CardPresent reports whether a card is in the reader.
func (r ReaderState) CardPresent() bool { return r.State&StatePresent != 0 }

// Readers asks the running pcscd for its readers and their cards.
func Readers() ([]ReaderState, error) {
	c, err := dialSocket()
	if err != nil {
		return nil, fmt.Errorf("read pcscd reader states: %w", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	// struct version_struct { int32 major, minor; uint32 rv }
	var ver [12]byte
	binary.NativeEndian.PutUint32(ver[0:], protocolMajor)
	binary.NativeEndian.PutUint32(ver[4:], protocolMinor)
	if err := send(c, cmdVersion, ver[:]); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(c, ver[:]); err != nil {
		return nil, fmt.Errorf("read pcscd reader states: version: %w", err)
	}
	if rv := binary.NativeEndian.Uint32(ver[8:]); rv != 0 {
		return nil, fmt.Errorf("read pcscd reader states: pcscd refused protocol %d.%d: 0x%08X", protocolMajor, protocolMinor, rv)
	}
	if err := send(c, cmdGetReadersState, nil); err != nil {
		return nil, err
	}
	buf := make([]byte, maxReaders*readerStateSize)
	if _, err := io.ReadFull(c, buf); err != nil {
		return nil, fmt.Errorf("read pcscd reader states: %w", err)
	}
	var out []ReaderState
	for i := range maxReaders {
		// READER_STATE { char readerName[128]; uint32 eventCounter;
		// uint32 readerState; int32 readerSharing; UCHAR cardAtr[33];
		// (3 bytes padding) uint32 cardAtrLength; uint32 cardProtocol; }
		rec := buf[i*readerStateSize : (i+1)*readerStateSize]
		name, _, _ := bytes.Cut(rec[:maxReaderName], []byte{0})
		if len(name) == 0 {
			continue
		}
		atrLen := min(int(binary.NativeEndian.Uint32(rec[176:])), maxATR)
		out = append(out, ReaderState{
			Name:         string(name),
			EventCounter: binary.NativeEndian.Uint32(rec[128:]),
			State:        binary.NativeEndian.Uint32(rec[132:]),
			ATR:          append([]byte(nil), rec[140:140+atrLen]...),
		})
	}
	return out, nil
}

// dialSocket connects to pcscd's socket. pcscd listens with a backlog of
// one, so a connection attempt while another client connects fails with
// EAGAIN; that is retried for a second.
func dialSocket() (net.Conn, error) {
	deadline := time.Now().Add(time.Second)
	for {
		c, err := net.DialTimeout("unix", SocketPath, time.Second)
		if err == nil || !errors.Is(err, syscall.EAGAIN) || time.Now().After(deadline) {
			return c, err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// send writes a message header { uint32 size; uint32 command } and body.
func send(c net.Conn, cmd uint32, body []byte) error {
	msg := make([]byte, 8+len(body))
	binary.NativeEndian.PutUint32(msg[0:], uint32(len(body)))
	binary.NativeEndian.PutUint32(msg[4:], cmd)
	copy(msg[8:], body)
	if _, err := c.Write(msg); err != nil {
		return fmt.Errorf("read pcscd reader states: send command 0x%02X: %w", cmd, err)
	}
	return nil
}

// ReaderOf names the vpcd reader behind a port: Port0 → Reader0.
func ReaderOf(port int) string {
	switch port {
	case Port0:
		return Reader0
	case Port1:
		return Reader1
	}
	return ""
}

// WaitCard waits until pcscd shows a card in the reader behind port
// (present) or none. A stopped pcscd shows none.
//
// Card removal needs it: vpcd notices that a card's connection closed only
// at its next poll of the reader (every 0.4 s). Until then pcscd still shows
// the card, and commands to it fail with SCARD_E_NOT_TRANSACTED rather than
// SCARD_W_REMOVED_CARD, a path on which OpenSC 0.23 deadlocks (the next
// sc_lock waits for ever on a mutex). A real reader reports the removal at
// once, so tests wait for pcscd to see it before going on.
func (d *Daemon) WaitCard(port int, present bool, timeout time.Duration) error {
	reader := ReaderOf(port)
	if reader == "" {
		return fmt.Errorf("wait for card: no vpcd reader on port %d", port)
	}
	deadline := time.Now().Add(timeout)
	for {
		readers, err := Readers()
		if err != nil && !present && !d.Running() {
			return nil
		}
		if err == nil {
			found := false
			for _, r := range readers {
				if r.Name == reader && r.CardPresent() {
					found = true
				}
			}
			if found == present {
				return nil
			}
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("timed out")
			}
			return fmt.Errorf("wait for card present=%v in %q: %w", present, reader, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
