package main

import (
	"bufio"
	"bytes"
)

func bufioReader(input []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(input)) }
