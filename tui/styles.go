package tui

import "github.com/charmbracelet/lipgloss"

// Styles. Colours degrade to plain text on an Ascii profile (goldens).
var (
	stBar     = lipgloss.NewStyle().Reverse(true)
	stDim     = lipgloss.NewStyle().Faint(true)
	stBold    = lipgloss.NewStyle().Bold(true)
	stErr     = lipgloss.NewStyle().Foreground(lipgloss.Color("9"))
	stWarn    = lipgloss.NewStyle().Foreground(lipgloss.Color("11"))
	stInfo    = lipgloss.NewStyle().Foreground(lipgloss.Color("12"))
	stOK      = lipgloss.NewStyle().Foreground(lipgloss.Color("10"))
	stNote    = lipgloss.NewStyle().Foreground(lipgloss.Color("13"))
	stMatch   = lipgloss.NewStyle().Reverse(true)
	stCursor  = lipgloss.NewStyle().Bold(true)
	stPanelHd = lipgloss.NewStyle().Bold(true).Underline(true)
)
