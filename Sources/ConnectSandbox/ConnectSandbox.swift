/// Connect Sandbox: an emulator of the Apple endpoints Orchard uses (DESIGN.md sections 3 and 8.3).
///
/// The emulator itself arrives with its own issue; this namespace anchors the target in the package layout.
package enum ConnectSandbox {}
