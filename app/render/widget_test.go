package render_test

import (
	"context"
	"fmt"
	"image"
	"testing"

	"github.com/siegel-app/siegel/internal/testpdf"
)

// TestSignatureWidgetDrawn: a visible signature is a form field's widget
// annotation, which PDFium's page rendering alone leaves out (it draws
// widgets only through the form-fill layer). The Review screen must show
// the stamp where it will stand.
func TestSignatureWidgetDrawn(t *testing.T) {
	ap := "0 0 1 rg 0 0 200 60 re f"
	pdf := testpdf.Build([]string{
		"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] /SigFlags 3 >> >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Annots [5 0 R] >>",
		"<< /Length 0 >>\nstream\n\nendstream",
		"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /F 132 /P 3 0 R /Rect [100 100 300 160] /AP << /N 6 0 R >> >>",
		fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 200 60] /Length %d >>\nstream\n%s\nendstream", len(ap), ap),
	}, "")
	img, err := open(t, pdf).Render(context.Background(), 0, 72)
	if err != nil {
		t.Fatal(err)
	}
	// 72 dpi: a point is a pixel; y from the top.
	stamp := image.Rect(105, 842-155, 295, 842-105)
	if _, nonWhite := inks(img, stamp); nonWhite != stamp.Dx()*stamp.Dy() {
		t.Errorf("stamp area: %d of %d pixels drawn", nonWhite, stamp.Dx()*stamp.Dy())
	}
	if _, nonWhite := inks(img, image.Rect(10, 10, 90, 90)); nonWhite != 0 {
		t.Errorf("%d pixels drawn outside the stamp", nonWhite)
	}
}
