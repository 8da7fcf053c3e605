package ui

import (
	"fyne.io/fyne/v2/lang"

	"github.com/siegel-app/siegel/ui/internal/posixlocale"
)

// Fyne's own widgets (the file dialog, the buttons and titles of its
// dialogs, text-entry menus, the date picker) take their strings from
// Fyne's lang, which follows the system locale only. So that they follow
// the language chosen in Siegel's settings as well, applyFyneLanguage adds
// Siegel's wording of them under the system's own locale tag ("de-DE"),
// which Fyne's matcher then prefers over its built-in language ("de").

// fyneTexts are those strings in Siegel's languages; every language has
// every key of Fyne 2.7's base.en.json (TestFyneTextsComplete). Slovenian
// is not among Fyne's languages. "File" and "Folder" only end the file
// dialog's default title ("Odpri datoteko"), hence the accusative; Siegel
// sets its own titles.
var fyneTexts = map[string]string{
	"en": fyneEnglish,
	"de": fyneGerman,
	"sl": fyneSlovenian,
}

const fyneEnglish = `{
 "Advanced": "Advanced",
 "Cancel": "Cancel",
 "Confirm": "Confirm",
 "Copy": "Copy",
 "Create Folder": "Create Folder",
 "Cut": "Cut",
 "Enter filename": "Enter filename",
 "Error": "Error",
 "Favourites": "Favourites",
 "File": "File",
 "Folder": "Folder",
 "New Folder": "New Folder",
 "No": "No",
 "OK": "OK",
 "Open": "Open",
 "Paste": "Paste",
 "Quit": "Quit",
 "Redo": "Redo",
 "Save": "Save",
 "Select all": "Select all",
 "Show Hidden Files": "Show Hidden Files",
 "Undo": "Undo",
 "Yes": "Yes",
 "file.name": {"other": "Name"},
 "file.parent": {"other": "Parent"},
 "friday": "Friday",
 "friday.short": "Fri",
 "monday": "Monday",
 "monday.short": "Mon",
 "saturday": "Saturday",
 "saturday.short": "Sat",
 "sunday": "Sunday",
 "sunday.short": "Sun",
 "thursday": "Thursday",
 "thursday.short": "Thu",
 "tuesday": "Tuesday",
 "tuesday.short": "Tue",
 "wednesday": "Wednesday",
 "wednesday.short": "Wed"
}`

const fyneGerman = `{
 "Advanced": "Erweitert",
 "Cancel": "Abbrechen",
 "Confirm": "Bestätigen",
 "Copy": "Kopieren",
 "Create Folder": "Ordner anlegen",
 "Cut": "Ausschneiden",
 "Enter filename": "Dateinamen eingeben",
 "Error": "Fehler",
 "Favourites": "Favoriten",
 "File": "Datei",
 "Folder": "Ordner",
 "New Folder": "Neuer Ordner",
 "No": "Nein",
 "OK": "OK",
 "Open": "Öffnen",
 "Paste": "Einfügen",
 "Quit": "Beenden",
 "Redo": "Wiederholen",
 "Save": "Speichern",
 "Select all": "Alles auswählen",
 "Show Hidden Files": "Versteckte Dateien anzeigen",
 "Undo": "Rückgängig",
 "Yes": "Ja",
 "file.name": {"other": "Name"},
 "file.parent": {"other": "Übergeordnet"},
 "friday": "Freitag",
 "friday.short": "Fr",
 "monday": "Montag",
 "monday.short": "Mo",
 "saturday": "Samstag",
 "saturday.short": "Sa",
 "sunday": "Sonntag",
 "sunday.short": "So",
 "thursday": "Donnerstag",
 "thursday.short": "Do",
 "tuesday": "Dienstag",
 "tuesday.short": "Di",
 "wednesday": "Mittwoch",
 "wednesday.short": "Mi"
}`

const fyneSlovenian = `{
 "Advanced": "Napredno",
 "Cancel": "Prekliči",
 "Confirm": "Potrdi",
 "Copy": "Kopiraj",
 "Create Folder": "Ustvari mapo",
 "Cut": "Izreži",
 "Enter filename": "Vnesite ime datoteke",
 "Error": "Napaka",
 "Favourites": "Priljubljene",
 "File": "datoteko",
 "Folder": "mapo",
 "New Folder": "Nova mapa",
 "No": "Ne",
 "OK": "V redu",
 "Open": "Odpri",
 "Paste": "Prilepi",
 "Quit": "Izhod",
 "Redo": "Uveljavi",
 "Save": "Shrani",
 "Select all": "Izberi vse",
 "Show Hidden Files": "Pokaži skrite datoteke",
 "Undo": "Razveljavi",
 "Yes": "Da",
 "file.name": {"other": "Ime"},
 "file.parent": {"other": "Nadrejena"},
 "friday": "petek",
 "friday.short": "pet",
 "monday": "ponedeljek",
 "monday.short": "pon",
 "saturday": "sobota",
 "saturday.short": "sob",
 "sunday": "nedelja",
 "sunday.short": "ned",
 "thursday": "četrtek",
 "thursday.short": "čet",
 "tuesday": "torek",
 "tuesday.short": "tor",
 "wednesday": "sreda",
 "wednesday.short": "sre"
}`

// applyFyneLanguage makes Fyne's widgets speak code ("de", "en", "sl"),
// the language Siegel's own strings are in. On a system in a language
// Siegel has no strings for, that is English, as for Siegel's strings,
// rather than Fyne's own language beside English. Like Fyne's lang itself
// it is not safe beside widgets being drawn: call it on the UI thread or
// before the window is shown.
func applyFyneLanguage(code string) error {
	texts, ok := fyneTexts[code]
	if !ok {
		texts = fyneEnglish
	}
	posixlocale.Apply() // as in systemLanguage: "C.UTF-8" is no language
	defer posixlocale.Restore()
	return lang.AddTranslationsForLocale([]byte(texts), lang.SystemLocale())
}
