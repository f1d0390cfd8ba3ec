import Foundation
import XCTest
@testable import SiteRenderer

/// Runs browser/browser_test.py (headless Chromium over the DevTools protocol) on the fixture site,
/// and on the site in MARGINALIA_SITE_DIR when that is set (the lead's real vLLM 0.6.2 site).
final class BrowserTests: XCTestCase {
    func runBrowserTest(site: URL) throws {
        let script = Fixture.packageRoot.appendingPathComponent("Tests/SiteRendererTests/browser/browser_test.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, site.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        print(output)
        XCTAssertNotEqual(process.terminationStatus, 2, "Chromium is missing: apt-get install -y chromium (scripts/setup)\n\(output)")
        XCTAssertEqual(process.terminationStatus, 0, output)
        for check in ["search", "identifier", "note", "tour", "kernels", "theme", "console"] {
            XCTAssertTrue(output.contains("PASS \(check):"), "\(check) did not pass:\n\(output)")
        }
    }

    func testFixtureSiteInChromium() throws {
        let out = Fixture.temporaryDirectory("browser")
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        let model = GraphvizLayout().layoutTours(of: Fixture.model())
        _ = try renderSite(model: model, theme: Fixture.theme, output: out)
        try runBrowserTest(site: out)
        // MARGINALIA_FIXTURE_SITE=DIR keeps a copy of the fixture site to look at.
        if let keep = ProcessInfo.processInfo.environment["MARGINALIA_FIXTURE_SITE"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: out, to: URL(fileURLWithPath: keep))
        }
    }

    func testRealSiteInChromium() throws {
        guard let dir = ProcessInfo.processInfo.environment["MARGINALIA_SITE_DIR"] else {
            throw XCTSkip("set MARGINALIA_SITE_DIR to a rendered site to run the browser test on it")
        }
        try runBrowserTest(site: URL(fileURLWithPath: dir))
    }
}
