; Siegel installer for 64-bit Windows, built with NSIS 3 (makensis also runs
; on Linux): packaging/windows/installer.sh passes
;   -DVERSION=0.1.0 -DVIVERSION=0.1.0.1 -DSRCDIR=<dir with the .exe files>
;   -DROOT=<repository> -DOUTFILE=<setup.exe>
;
; Installs for all users into Program Files\Siegel: siegel.exe (desktop
; app), siegel-cli.exe (command line), the licence and third-party notices;
; a Start-menu shortcut; "Open with" and the "Sign with Siegel" / "Verify
; with Siegel" context-menu entries for .pdf files without taking over the
; default PDF application (Windows asks the user for that; an installer
; setting it is what Windows 8+ forbids and users resent); an entry in
; Apps & Features with an uninstaller.

Unicode true
SetCompressor /SOLID lzma
; A dictionary larger than one executable lets solid compression store the
; second, nearly identical one (GUI and console builds) almost for free.
SetCompressorDictSize 64
RequestExecutionLevel admin
ManifestDPIAware true

!ifndef VERSION
  !error "pass -DVERSION=x.y.z"
!endif
!ifndef VIVERSION
  !define VIVERSION "${VERSION}.0"
!endif
!ifndef SRCDIR
  !define SRCDIR "..\..\dist\windows"
!endif
!ifndef ROOT
  !define ROOT "..\.."
!endif
!ifndef OUTFILE
  !define OUTFILE "${ROOT}\dist\siegel-${VERSION}-setup.exe"
!endif

!define APP "Siegel"
!define PROGID "Siegel.PDF"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"
!define CAPKEY "Software\${APP}\Capabilities"

Name "${APP}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP}"
BrandingText "${APP} ${VERSION}"

VIProductVersion "${VIVERSION}"
VIFileVersion "${VIVERSION}"
VIAddVersionKey /LANG=0 "ProductName" "${APP}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileDescription" "${APP} ${VERSION} Setup"
VIAddVersionKey /LANG=0 "CompanyName" "${APP}"
VIAddVersionKey /LANG=0 "LegalCopyright" "Licensed under the Apache License 2.0"

!include "MUI2.nsh"
!include "x64.nsh"
!include "LogicLib.nsh"

!define MUI_ICON "${SRCDIR}\siegel.ico"
!define MUI_UNICON "${SRCDIR}\siegel.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\siegel.exe"
; Remember the language chosen at install time for the uninstaller.
!define MUI_LANGDLL_REGISTRY_ROOT HKLM
!define MUI_LANGDLL_REGISTRY_KEY "Software\${APP}"
!define MUI_LANGDLL_REGISTRY_VALUENAME "InstallerLanguage"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "${ROOT}\LICENSE"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

; The languages Siegel itself speaks; the first is the fallback.
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "German"
!insertmacro MUI_LANGUAGE "Slovenian"

; Context-menu and shortcut texts, in the words of the Linux .desktop entry.
LangString DESC_APP ${LANG_ENGLISH} "Sign, seal and verify PDF documents"
LangString DESC_APP ${LANG_GERMAN} "PDF-Dokumente signieren, siegeln und prüfen"
LangString DESC_APP ${LANG_SLOVENIAN} "Podpisovanje, žigosanje in preverjanje dokumentov PDF"
LangString VERB_SIGN ${LANG_ENGLISH} "Sign with Siegel"
LangString VERB_SIGN ${LANG_GERMAN} "Mit Siegel signieren"
LangString VERB_SIGN ${LANG_SLOVENIAN} "Podpiši s Siegel"
LangString VERB_VERIFY ${LANG_ENGLISH} "Verify with Siegel"
LangString VERB_VERIFY ${LANG_GERMAN} "Mit Siegel prüfen"
LangString VERB_VERIFY ${LANG_SLOVENIAN} "Preveri s Siegel"
LangString NEED_X64 ${LANG_ENGLISH} "Siegel needs 64-bit Windows."
LangString NEED_X64 ${LANG_GERMAN} "Siegel braucht ein 64-Bit-Windows."
LangString NEED_X64 ${LANG_SLOVENIAN} "Siegel potrebuje 64-bitni Windows."

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "$(NEED_X64)"
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
  ; An update goes where the last install went. (InstallDirRegKey would
  ; look in the 32-bit registry view, before SetRegView.)
  ReadRegStr $0 HKLM "Software\${APP}" "InstallDir"
  ${If} $0 != ""
    StrCpy $INSTDIR $0
  ${EndIf}
  !insertmacro MUI_LANGDLL_DISPLAY
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
  !insertmacro MUI_UNGETLANGUAGE
FunctionEnd

Section "Siegel" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "${SRCDIR}\siegel.exe"
  File "${SRCDIR}\siegel-cli.exe"
  File "/oname=LICENSE.txt" "${ROOT}\LICENSE"
  ; All notices in one file (installer.sh generates it from the binary),
  ; and the texts of what pdfium.wasm bundles as they are kept in the tree.
  File "${SRCDIR}\THIRD-PARTY-NOTICES.txt"
  SetOutPath "$INSTDIR\licenses"
  File "${ROOT}\packaging\licenses\*.txt"
  File "${ROOT}\packaging\licenses\README.md"
  SetOutPath "$INSTDIR"

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "Software\${APP}" "InstallDir" "$INSTDIR"

  CreateShortCut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\siegel.exe" "" "$INSTDIR\siegel.exe" 0 SW_SHOWNORMAL "" "$(DESC_APP)"

  ; A ProgID of our own, offered in "Open with" for .pdf (OpenWithProgids),
  ; never written as the default of .pdf.
  WriteRegStr HKLM "Software\Classes\${PROGID}" "" "PDF (Siegel)"
  WriteRegStr HKLM "Software\Classes\${PROGID}" "FriendlyTypeName" "PDF (Siegel)"
  WriteRegStr HKLM "Software\Classes\${PROGID}\DefaultIcon" "" "$INSTDIR\siegel.exe,0"
  WriteRegStr HKLM "Software\Classes\${PROGID}\shell\open\command" "" '"$INSTDIR\siegel.exe" "%1"'
  WriteRegStr HKLM "Software\Classes\.pdf\OpenWithProgids" "${PROGID}" ""
  ; Applications\siegel.exe names the program in "Open with" lists.
  WriteRegStr HKLM "Software\Classes\Applications\siegel.exe" "FriendlyAppName" "${APP}"
  WriteRegStr HKLM "Software\Classes\Applications\siegel.exe\SupportedTypes" ".pdf" ""
  WriteRegStr HKLM "Software\Classes\Applications\siegel.exe\shell\open\command" "" '"$INSTDIR\siegel.exe" "%1"'
  ; Default Programs: lets the user choose Siegel for .pdf in Settings.
  WriteRegStr HKLM "${CAPKEY}" "ApplicationName" "${APP}"
  WriteRegStr HKLM "${CAPKEY}" "ApplicationDescription" "$(DESC_APP)"
  WriteRegStr HKLM "${CAPKEY}\FileAssociations" ".pdf" "${PROGID}"
  WriteRegStr HKLM "Software\RegisteredApplications" "${APP}" "${CAPKEY}"
  ; Context-menu verbs on every .pdf, whichever program owns the type; the
  ; same command lines as the .desktop entry's actions.
  WriteRegStr HKLM "Software\Classes\SystemFileAssociations\.pdf\shell\Siegel.Sign" "MUIVerb" "$(VERB_SIGN)"
  WriteRegStr HKLM "Software\Classes\SystemFileAssociations\.pdf\shell\Siegel.Sign" "Icon" "$INSTDIR\siegel.exe,0"
  WriteRegStr HKLM "Software\Classes\SystemFileAssociations\.pdf\shell\Siegel.Sign\command" "" '"$INSTDIR\siegel.exe" "%1"'
  WriteRegStr HKLM "Software\Classes\SystemFileAssociations\.pdf\shell\Siegel.Verify" "MUIVerb" "$(VERB_VERIFY)"
  WriteRegStr HKLM "Software\Classes\SystemFileAssociations\.pdf\shell\Siegel.Verify" "Icon" "$INSTDIR\siegel.exe,0"
  WriteRegStr HKLM "Software\Classes\SystemFileAssociations\.pdf\shell\Siegel.Verify\command" "" '"$INSTDIR\siegel.exe" --verify "%1"'
  ; "siegel" in Run (Win+R) and Start finds the desktop app.
  WriteRegStr HKLM "Software\Microsoft\Windows\CurrentVersion\App Paths\siegel.exe" "" "$INSTDIR\siegel.exe"

  ; Apps & Features.
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "${APP}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\siegel.exe,0"
  WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "${APP}"
  WriteRegStr HKLM "${UNINSTKEY}" "URLInfoAbout" "https://github.com/siegel-app/siegel"
  WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1
  SectionGetSize ${SecMain} $0
  WriteRegDWORD HKLM "${UNINSTKEY}" "EstimatedSize" $0

  ; Tell Explorer that associations changed (SHCNE_ASSOCCHANGED).
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
SectionEnd

Section "Uninstall"
  Delete "$INSTDIR\siegel.exe"
  Delete "$INSTDIR\siegel-cli.exe"
  Delete "$INSTDIR\LICENSE.txt"
  Delete "$INSTDIR\THIRD-PARTY-NOTICES.txt"
  RMDir /r "$INSTDIR\licenses"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${APP}.lnk"

  DeleteRegValue HKLM "Software\Classes\.pdf\OpenWithProgids" "${PROGID}"
  DeleteRegKey HKLM "Software\Classes\${PROGID}"
  DeleteRegKey HKLM "Software\Classes\Applications\siegel.exe"
  DeleteRegKey HKLM "Software\Classes\SystemFileAssociations\.pdf\shell\Siegel.Sign"
  DeleteRegKey HKLM "Software\Classes\SystemFileAssociations\.pdf\shell\Siegel.Verify"
  DeleteRegValue HKLM "Software\RegisteredApplications" "${APP}"
  DeleteRegKey HKLM "Software\Microsoft\Windows\CurrentVersion\App Paths\siegel.exe"
  DeleteRegKey HKLM "${UNINSTKEY}"
  ; Software\Siegel holds Capabilities and the install settings; a user's
  ; own settings live in their profile and stay.
  DeleteRegKey HKLM "Software\${APP}"

  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
SectionEnd
