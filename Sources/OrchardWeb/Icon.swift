/// The site's icon: a leaf on a stem, in the accent colour, as SVG (browsers ask for one on every page).
enum Icon {
    static let asset = Asset(svg, contentType: "image/svg+xml")
    static var version: String { asset.version }

    static let svg = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">\
        <rect width="32" height="32" rx="7" fill="#2f6b3a"/>\
        <path d="M16 27V15" stroke="#fff" stroke-width="2.4" stroke-linecap="round"/>\
        <path d="M16 16C9 16 6 11 7 5c6 0 10 4 9 11zM16 19c5 0 9-3 9-9-5 0-9 3-9 9z" fill="#fff"/>\
        </svg>
        """
}
