/// The version of this build of Orchard, shown by `--version`, the home page and `/healthz`.
package enum OrchardVersion {
    package static let current = "0.1.0"
}
