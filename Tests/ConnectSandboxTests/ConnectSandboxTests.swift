// Connect Sandbox tests arrive with the sandbox (issue 5).
import Testing
