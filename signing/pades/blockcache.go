package pades

import (
	"fmt"
	"io"
)

// blockCache serves small reads from a few cached 64 KiB blocks. Parsing
// reads objects in many small pieces; without it a 100-page document costs
// hundreds of system calls. It holds at most 1 MiB, whatever the file size.
type blockCache struct {
	r      io.ReaderAt
	size   int64
	blocks map[int64][]byte
	order  []int64
	// left is the bytes the cache may still serve. Parsing a hostile file
	// can read the same bytes again and again (objects nested in other
	// objects' unclosed strings or arrays, each checked by balancedAt up
	// to maxObject), so the total is bounded by the file's size.
	left int64
}

// ErrReadBudget is the error of reads beyond a file's read budget.
var ErrReadBudget = fmt.Errorf("%w: the file makes the reader read too much", ErrDamaged)

const (
	blockSize  = 64 << 10
	blockCount = 16
)

func newBlockCache(r io.ReaderAt, size int64) *blockCache {
	return &blockCache{r: r, size: size, blocks: map[int64][]byte{}, left: 64*size + 1<<30}
}

func (c *blockCache) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if c.left -= int64(len(p)); c.left < 0 {
		return 0, ErrReadBudget
	}
	n := 0
	for n < len(p) {
		if off >= c.size {
			return n, io.EOF
		}
		b, err := c.block(off / blockSize)
		if err != nil {
			return n, err
		}
		m := copy(p[n:], b[off%blockSize:])
		if m == 0 {
			return n, io.EOF
		}
		n += m
		off += int64(m)
	}
	return n, nil
}

func (c *blockCache) block(i int64) ([]byte, error) {
	if b, ok := c.blocks[i]; ok {
		return b, nil
	}
	if len(c.order) == blockCount {
		delete(c.blocks, c.order[0])
		c.order = c.order[1:]
	}
	b := make([]byte, min(blockSize, c.size-i*blockSize))
	n, err := c.r.ReadAt(b, i*blockSize)
	if err != nil && err != io.EOF {
		return nil, err
	}
	if n < len(b) {
		// Shorter than its size when it was opened: what was parsed
		// would not be what gets copied.
		return nil, fmt.Errorf("%w: the file changed while it was read", ErrDamaged)
	}
	c.blocks[i] = b
	c.order = append(c.order, i)
	return b, nil
}

// whole returns the entire file when it fits in one block and that block
// is cached: a small file is then parsed, copied and hashed from the one
// read. The slice is the cache's; callers must not modify it.
func (c *blockCache) whole() ([]byte, bool) {
	if c.size > blockSize {
		return nil, false
	}
	b, ok := c.blocks[0]
	return b, ok && int64(len(b)) == c.size
}
