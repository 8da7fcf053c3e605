package vpiv

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"

	"golang.org/x/sys/unix"
)

// vpcd control messages (vsmartcard vpcd.h: VPCD_CTRL_*).
const (
	ctrlOff   = 0
	ctrlOn    = 1
	ctrlReset = 2
	ctrlATR   = 4
)

// serve answers vpcd until the connection ends or Remove is called.
func (c *Card) serve(ins *insertion) {
	conn := ins.conn
	defer func() {
		conn.Close()
		c.mu.Lock()
		c.powerLoss()
		if c.slot == ins {
			c.slot = nil
		}
		c.mu.Unlock()
		close(ins.done)
	}()
	select {
	case <-ins.gone: // removed before it was served
		return
	default:
	}
	poweredOn, ready := false, false
	for {
		quickAck(conn)
		msg, err := readMsg(conn)
		if err != nil {
			return
		}
		var resp []byte
		if len(msg) == 1 {
			switch msg[0] {
			case ctrlOff, ctrlOn, ctrlReset:
				c.mu.Lock()
				c.powerLoss()
				c.mu.Unlock()
				poweredOn = msg[0] != ctrlOff
				continue // vpcd expects no answer
			case ctrlATR:
				resp = c.atr
			default:
				continue
			}
		} else {
			if isLastOf(msg, insGeneralAuthenticate) && !c.waitStall(ins) {
				return
			}
			resp = c.transmit(msg)
		}
		if err := writeMsg(conn, resp); err != nil {
			return
		}
		if poweredOn && !ready {
			// pcscd powered the card and read its ATR: it is present.
			ready = true
			close(ins.ready)
		}
	}
}

// waitStall holds a signature while StallSignatures is on. It reports false
// when the card was removed meanwhile.
func (c *Card) waitStall(ins *insertion) bool {
	c.mu.Lock()
	ch := c.stall
	c.holding = ch != nil
	c.mu.Unlock()
	if ch == nil {
		return true
	}
	defer func() {
		c.mu.Lock()
		c.holding = false
		c.mu.Unlock()
	}()
	select {
	case <-ch:
		return true
	case <-ins.gone:
		return false
	}
}

// isLastOf reports whether msg is a command APDU with instruction ins that
// is not an inner link of a chain.
func isLastOf(msg []byte, ins byte) bool {
	return len(msg) >= 4 && msg[1] == ins && msg[0]&claChain == 0
}

// quickAck sets TCP_QUICKACK, which the kernel clears again after a while:
// without it each answer waits on a delayed ACK (about 40 ms).
func quickAck(conn net.Conn) {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_QUICKACK, 1)
	})
}

// readMsg reads one vpcd message: a 2-byte big-endian length and the
// payload.
func readMsg(r io.Reader) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	if _, err := io.ReadFull(r, msg); err != nil {
		return nil, fmt.Errorf("read vpcd message: %w", err)
	}
	return msg, nil
}

func writeMsg(w io.Writer, payload []byte) error {
	if len(payload) > 0xFFFF {
		return fmt.Errorf("write vpcd message: %d bytes do not fit", len(payload))
	}
	buf := make([]byte, 2+len(payload))
	binary.BigEndian.PutUint16(buf, uint16(len(payload)))
	copy(buf[2:], payload)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("write vpcd message: %w", err)
	}
	return nil
}
