module github.com/siegel-app/siegel

go 1.26.8

require (
	github.com/digitorus/pdf v0.1.2
	github.com/digitorus/pdfsign v0.0.0-20260407063256-85ede6424a74
	github.com/digitorus/timestamp v0.0.0-20231217203849-220c5c2851b7
	github.com/miekg/pkcs11 v1.1.2
	golang.org/x/crypto v0.49.0
	golang.org/x/sys v0.42.0
	golang.org/x/term v0.41.0
	golang.org/x/text v0.35.0
	software.sslmate.com/src/go-pkcs12 v0.7.4
)

require (
	github.com/digitorus/pkcs7 v0.0.0-20230818184609-3a137a874352 // indirect
	github.com/ebfe/scard v0.0.0-20241214075232-7af069cabc25 // indirect
	github.com/mattetti/filebuffer v1.0.1 // indirect
)
