// A small site model: a slice of vLLM's decode path (Python -> torch op -> CUDA kernel), a file with a
// hostile name, a file whose text tries to break out of the page, notes in every re-anchoring state,
// a tour, a kernel row, drift results and an explainer.

import Foundation
import IndexModel
@testable import SiteRenderer

enum Fixture {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let theme = packageRoot.appendingPathComponent("Site")

    static let oddPath: RepoPath = "vllm/odd/a <b> & \"c\" 'd'.py"

    static let sources: [(RepoPath, String)] = [
        ("vllm/attention/ops/paged_attn.py", """
        # PagedAttention: the Python side.
        from vllm import _custom_ops as ops


        class PagedAttention:
            \"\"\"Attention over a paged KV cache.\"\"\"

            @staticmethod
            def forward_decode(query, key_cache, value_cache, block_tables, seq_lens):
                output = query.new_empty(query.shape)
                ops.paged_attention_v1(output, query, key_cache, value_cache, block_tables, seq_lens)
                return output

            @staticmethod
            def split_kv_cache(kv_cache, num_kv_heads, head_size):
                x = 16 // kv_cache.element_size()
                return kv_cache[0], kv_cache[1]

        """),
        ("vllm/_custom_ops.py", """
        import torch


        def paged_attention_v1(out, query, key_cache, value_cache, block_tables, seq_lens):
            torch.ops._C.paged_attention_v1(out, query, key_cache, value_cache, block_tables, seq_lens)

        """),
        ("csrc/attention/attention_kernels.cu", """
        // The PagedAttention kernels.
        #include <cuda_runtime.h>

        namespace vllm {

        template <typename scalar_t, int HEAD_SIZE, int BLOCK_SIZE>
        __global__ void __launch_bounds__(128) paged_attention_v1_kernel(scalar_t* out, const scalar_t* q) {
          __shared__ float red_smem[2 * 4];
          out[threadIdx.x] = q[threadIdx.x];
        }

        }  // namespace vllm

        template <typename T, int BLOCK_SIZE>
        void paged_attention_v1_launcher(T* out, const T* q, int num_seqs) {
          dim3 grid(num_seqs);
          dim3 block(128);
          vllm::paged_attention_v1_kernel<T, 128, BLOCK_SIZE><<<grid, block, 0, 0>>>(out, q);
        }

        """),
        ("vllm/core/scheduler.py", """
        from vllm.attention.ops.paged_attn import PagedAttention


        class Scheduler:
            def schedule(self):
                return PagedAttention

        """),
        ("csrc/cache_kernels.cu", """
        __global__ void reshape_and_cache_kernel(float* key) {
          key[0] = 1.0f;
        }

        """),
        (oddPath, """
        # A file whose text tries to end the page: </pre><script>alert(1)</script>
        s = "</div></code><script>alert('x')</script>&amp; <!-- -->"
        t = 'caf\u{E9} \u{2028} done'

        """),
    ]

    static func line(_ needle: String, in path: RepoPath) -> Int {
        let text = sources.first { $0.0 == path }!.1
        for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where l.contains(needle) {
            return i + 1
        }
        fatalError("fixture: \(needle) not in \(path)")
    }

    struct Def {
        let id: SiteSymbolID
        let name: String
        let kind: SymbolKind
        let file: RepoPath
        let first: String
        let last: String
        let signature: String
        let doc: String
    }

    static let defs: [Def] = [
        Def(id: "vllm.attention.ops.paged_attn.PagedAttention", name: "PagedAttention", kind: .class,
            file: "vllm/attention/ops/paged_attn.py", first: "class PagedAttention", last: "return kv_cache[0]",
            signature: "class PagedAttention", doc: "Attention over a paged KV cache."),
        Def(id: "vllm.attention.ops.paged_attn.PagedAttention.forward_decode", name: "forward_decode", kind: .method,
            file: "vllm/attention/ops/paged_attn.py", first: "def forward_decode", last: "return output",
            signature: "(query, key_cache, value_cache, block_tables, seq_lens)", doc: ""),
        Def(id: "vllm.attention.ops.paged_attn.PagedAttention.split_kv_cache", name: "split_kv_cache", kind: .method,
            file: "vllm/attention/ops/paged_attn.py", first: "def split_kv_cache", last: "return kv_cache[0]",
            signature: "(kv_cache, num_kv_heads, head_size) -> <Tuple[\"k\" & 'v']>", doc: "Splits <k> & \"v\"."),
        Def(id: "vllm._custom_ops.paged_attention_v1", name: "paged_attention_v1", kind: .function,
            file: "vllm/_custom_ops.py", first: "def paged_attention_v1", last: "torch.ops._C",
            signature: "(out, query, key_cache, value_cache, block_tables, seq_lens)", doc: ""),
        Def(id: "vllm::paged_attention_v1_kernel", name: "paged_attention_v1_kernel", kind: .kernel,
            file: "csrc/attention/attention_kernels.cu", first: "paged_attention_v1_kernel(scalar_t", last: "out[threadIdx.x]",
            signature: "void (scalar_t *, const scalar_t *)", doc: ""),
        Def(id: "paged_attention_v1_launcher", name: "paged_attention_v1_launcher", kind: .function,
            file: "csrc/attention/attention_kernels.cu", first: "void paged_attention_v1_launcher", last: "<<<grid",
            signature: "void (T *, const T *, int)", doc: ""),
        Def(id: "vllm.core.scheduler.Scheduler", name: "Scheduler", kind: .class,
            file: "vllm/core/scheduler.py", first: "class Scheduler", last: "return PagedAttention",
            signature: "class Scheduler", doc: ""),
        Def(id: "vllm.core.scheduler.Scheduler.schedule", name: "schedule", kind: .method,
            file: "vllm/core/scheduler.py", first: "def schedule", last: "return PagedAttention",
            signature: "(self)", doc: ""),
        Def(id: "reshape_and_cache_kernel", name: "reshape_and_cache_kernel", kind: .kernel,
            file: "csrc/cache_kernels.cu", first: "reshape_and_cache_kernel", last: "key[0]",
            signature: "void (float *)", doc: ""),
        Def(id: "vllm.odd.<b>&\"c\"", name: "<b>&\"c\"", kind: .variable,
            file: oddPath, first: "s = ", last: "s = ", signature: "str", doc: "A symbol whose name needs escaping."),
    ]

    /// A toy lexer: comments, strings, numbers, words (a keyword list), everything else skipped.
    static func lex(_ bytes: [UInt8], python: Bool) -> [TokenSpan] {
        let keywords: Set<String> = python
            ? ["def", "class", "return", "from", "import", "as", "if", "else", "for", "in", "None", "self"]
            : ["template", "typename", "int", "float", "void", "const", "namespace", "__global__", "__shared__", "dim3"]
        var spans: [TokenSpan] = []
        var i = 0
        let n = bytes.count
        func isWord(_ c: UInt8) -> Bool { c == 95 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        while i < n {
            let c = bytes[i]
            if (python && c == UInt8(ascii: "#")) || (!python && c == UInt8(ascii: "/") && i + 1 < n && bytes[i + 1] == UInt8(ascii: "/")) {
                var j = i
                while j < n && bytes[j] != 0x0A { j += 1 }
                spans.append(TokenSpan(start: i, end: j, tokenClass: .comment))
                i = j
            } else if !python && c == UInt8(ascii: "#") {
                var j = i
                while j < n && bytes[j] != 0x0A { j += 1 }
                spans.append(TokenSpan(start: i, end: j, tokenClass: .preprocessor))
                i = j
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                let triple = python && i + 2 < n && bytes[i + 1] == c && bytes[i + 2] == c
                var j = i + (triple ? 3 : 1)
                while j < n {
                    if triple {
                        if j + 2 < n && bytes[j] == c && bytes[j + 1] == c && bytes[j + 2] == c { j += 3; break }
                    } else if bytes[j] == c || bytes[j] == 0x0A {
                        j += 1
                        break
                    }
                    j += 1
                }
                spans.append(TokenSpan(start: i, end: min(j, n), tokenClass: .string))
                i = min(j, n)
            } else if c >= 48 && c <= 57 {
                var j = i
                while j < n && isWord(bytes[j]) { j += 1 }
                spans.append(TokenSpan(start: i, end: j, tokenClass: .number))
                i = j
            } else if isWord(c) {
                var j = i
                while j < n && isWord(bytes[j]) { j += 1 }
                let word = String(decoding: bytes[i..<j], as: UTF8.self)
                spans.append(TokenSpan(start: i, end: j, tokenClass: keywords.contains(word) ? .keyword : .identifier))
                i = j
            } else if python && c == UInt8(ascii: "@") {
                var j = i + 1
                while j < n && isWord(bytes[j]) { j += 1 }
                spans.append(TokenSpan(start: i, end: j, tokenClass: .decorator))
                i = j
            } else {
                i += 1
            }
        }
        return spans
    }

    /// Identifier tokens that name a fixture symbol become references (at its first line: its definition).
    static func references(_ bytes: [UInt8], tokens: [TokenSpan], file: RepoPath, symbols: [SiteSymbol]) -> [SiteReference] {
        var byName: [String: SiteSymbol] = [:]
        for s in symbols where byName[s.name] == nil { byName[s.name] = s }
        var lineOf = [Int](repeating: 1, count: bytes.count + 1)
        var l = 1
        for (i, b) in bytes.enumerated() { lineOf[i] = l; if b == 0x0A { l += 1 } }
        return tokens.compactMap { t in
            guard t.tokenClass == .identifier else { return nil }
            let word = String(decoding: bytes[t.start..<t.end], as: UTF8.self)
            guard let s = byName[word] else { return nil }
            return SiteReference(start: t.start, end: t.end, target: s.id,
                                 isDefinition: s.file == file && s.lines.lowerBound == lineOf[t.start])
        }
    }

    static func model() -> SiteModel {
        let symbols: [SiteSymbol] = defs.map { d in
            SiteSymbol(id: d.id, qualifiedName: d.id.rawValue, name: d.name, kind: d.kind,
                       language: Language.of(path: d.file.rawValue) ?? .python, file: d.file,
                       lines: line(d.first, in: d.file)...line(d.last, in: d.file), signature: d.signature, doc: d.doc)
        }
        var byID = Dictionary(uniqueKeysWithValues: symbols.map { ($0.id, $0) })
        let decode: SiteSymbolID = "vllm.attention.ops.paged_attn.PagedAttention.forward_decode"
        let customOp: SiteSymbolID = "vllm._custom_ops.paged_attention_v1"
        let kernel: SiteSymbolID = "vllm::paged_attention_v1_kernel"
        let launcher: SiteSymbolID = "paged_attention_v1_launcher"
        let paPath: RepoPath = "vllm/attention/ops/paged_attn.py"
        let opsPath: RepoPath = "vllm/_custom_ops.py"
        let cuPath: RepoPath = "csrc/attention/attention_kernels.cu"
        let callLine = line("ops.paged_attention_v1(", in: paPath)
        let torchLine = line("torch.ops._C", in: opsPath)
        let launchLine = line("<<<grid", in: cuPath)
        byID[decode]!.callees = [SiteEdge(symbol: customOp, displayName: customOp.rawValue, confidence: 0.9, file: paPath,
                                          line: callLine, sourceLine: "        ops.paged_attention_v1(output, query, ...)")]
        byID[customOp]!.callers = [SiteEdge(symbol: decode, displayName: decode.rawValue, confidence: 0.9, file: paPath,
                                            line: callLine, sourceLine: "ops.paged_attention_v1(output, query, ...)")]
        byID[customOp]!.callees = [SiteEdge(symbol: launcher, displayName: "torch.ops._C.paged_attention_v1 -> launcher",
                                            kind: "torch_op", confidence: 0.6, file: opsPath, line: torchLine,
                                            sourceLine: "torch.ops._C.paged_attention_v1(out, ...)"),
                                   SiteEdge(symbol: "torch.empty", displayName: "torch.empty <external>", kind: "call",
                                            confidence: 0.3, file: opsPath, line: torchLine, sourceLine: "x < y && z")]
        byID[launcher]!.callees = [SiteEdge(symbol: kernel, displayName: kernel.rawValue, kind: "launch", confidence: 1,
                                            file: cuPath, line: launchLine, sourceLine: "vllm::paged_attention_v1_kernel<<<grid, block, 0, 0>>>(out, q);")]
        let launch = LaunchSite(file: cuPath, line: launchLine, config: "grid, block, 0, 0", launcher: launcher,
                                sourceLine: "vllm::paged_attention_v1_kernel<T, 128, BLOCK_SIZE><<<grid, block, 0, 0>>>(out, q);")
        byID[kernel]!.callers = [SiteEdge(symbol: launcher, displayName: launcher.rawValue, kind: "launch", confidence: 1,
                                          file: cuPath, line: launchLine, sourceLine: "<<<grid, block, 0, 0>>>")]
        byID[kernel]!.launchSites = [launch]
        let allSymbols = symbols.map { byID[$0.id]! }

        let files: [SiteFile] = sources.map { path, text in
            let bytes = Array(text.utf8)
            let tokens = lex(bytes, python: path.rawValue.hasSuffix(".py"))
            return SiteFile(path: path, bytes: bytes, tokens: tokens,
                            references: references(bytes, tokens: tokens, file: path, symbols: allSymbols))
        }

        let decodeFirst = line("def forward_decode", in: paPath)
        let notes: [SiteNote] = [
            SiteNote(id: "decode-path", title: "How decode reaches the kernel", tags: ["attention", "cuda"],
                     body: TrustedHTML(trusted: "<p>The decode step calls <code>ops.paged_attention_v1</code>, a thin wrapper over the torch op, which ends in <a href=\"marginalia-root:/symbols/vllm%3A%3Apaged_attention_v1_kernel.html\">the kernel</a> (<a href=\"marginalia-root:/src/csrc/attention/attention_kernels.cu.html#L7\">source</a>).</p>\n"),
                     anchors: [NoteAnchor(file: paPath, lines: decodeFirst...(decodeFirst + 3), symbol: decode)]),
            SiteNote(id: "evil-note", title: "<script>alert('title')</script> & friends",
                     tags: ["<img src=x onerror=alert(2)>", "x\" onmouseover=\"alert(3)"],
                     body: TrustedHTML(trusted: "<p>&lt;script&gt;alert(1)&lt;/script&gt; and &lt;img src=x onerror=alert(2)&gt;</p>\n"),
                     bodyText: "<script>alert(1)</script> and <img src=x onerror=alert(2)> </script>",
                     anchors: [NoteAnchor(file: oddPath, lines: 2...2, status: .edited, confidence: 0.71,
                                          previousFile: oddPath, previousLines: 3...3)]),
            SiteNote(id: "moved/odd id", title: "Launch configuration", tags: ["cuda"],
                     body: TrustedHTML(trusted: "<p>One block per sequence; 128 threads.</p>\n"),
                     anchors: [NoteAnchor(file: cuPath, lines: launchLine...launchLine, symbol: launcher, status: .moved,
                                          confidence: 0.93, previousFile: cuPath, previousLines: (launchLine - 2)...(launchLine - 2))]),
            SiteNote(id: "lost", title: "Where did the v0 block manager go?", tags: [],
                     body: TrustedHTML(trusted: "<p>This note lost its code.</p>\n"),
                     anchors: [NoteAnchor(file: "vllm/core/scheduler.py", lines: 40...42, status: .orphaned, confidence: 0.2)]),
            SiteNote(id: "core-map", title: "What lives in vllm/core", tags: ["map"],
                     body: TrustedHTML(trusted: "<p>The scheduler and the block managers.</p>\n"),
                     anchors: [NoteAnchor(file: "vllm/core/", lines: 1...1)]),
            SiteNote(id: "shared-smem", title: "Shared memory for the reduction", tags: ["cuda"],
                     body: TrustedHTML(trusted: "<p>A long note to test stacking.</p><p>Line two.</p><p>Line three.</p><p>Line four.</p>\n"),
                     anchors: [NoteAnchor(file: cuPath, lines: line("__shared__", in: cuPath)...line("__shared__", in: cuPath), symbol: kernel),
                               NoteAnchor(file: cuPath, lines: line("out[threadIdx.x]", in: cuPath)...line("out[threadIdx.x]", in: cuPath))]),
        ]
        let tour = SiteTour(id: "decode", title: "From forward_decode to the kernel", summary: "Python, torch op, CUDA.", steps: [
            TourStep(id: "python", title: "The Python entry", file: paPath, lines: decodeFirst...(decodeFirst + 3), symbol: decode,
                     body: TrustedHTML(trusted: "<p>Start here.</p>")),
            TourStep(id: "op", title: "The custom op wrapper", file: opsPath, lines: (torchLine - 1)...torchLine, symbol: customOp,
                     body: TrustedHTML(trusted: "<p>Into C++.</p>")),
            TourStep(id: "kernel", title: "The kernel <<<launch>>> & body", file: cuPath, lines: (launchLine - 4)...launchLine, symbol: kernel,
                     body: TrustedHTML(trusted: "<p>On the GPU.</p>")),
            TourStep(title: "Where the scheduler lives", note: "core-map",
                     body: TrustedHTML(trusted: "<p>The scheduler and the block managers.</p>")),
        ])
        let kernels = [
            KernelRow(kernel: kernel, name: "paged_attention_v1_kernel", file: cuPath, line: line("paged_attention_v1_kernel(scalar_t", in: cuPath),
                      templateParameters: ["typename scalar_t", "int HEAD_SIZE", "int BLOCK_SIZE"], launchBounds: "128",
                      sharedMemory: ["float red_smem[2 * 4]"], launchSites: [launch], torchOps: ["_C.paged_attention_v1"],
                      pythonCallers: [decode, customOp], notes: ["shared-smem"]),
            KernelRow(kernel: "reshape_and_cache_kernel", name: "reshape_and_cache_kernel", file: "csrc/cache_kernels.cu", line: 1),
        ]
        let drift = [
            DriftResult(note: "moved/odd id", noteTitle: "Launch configuration", fromVersion: "0.6.2", toVersion: "0.6.3.post1",
                        status: .moved, confidence: 0.93, oldFile: cuPath, oldLines: (launchLine - 2)...(launchLine - 2),
                        newFile: cuPath, newLines: launchLine...launchLine, evidence: "same text 2 lines lower"),
            DriftResult(note: "lost", noteTitle: "Where did the v0 block manager go?", fromVersion: "0.6.2", toVersion: "0.6.3.post1",
                        status: .orphaned, confidence: 0.2, oldFile: "vllm/core/block_manager_v1.py", oldLines: 40...42,
                        evidence: "file removed; best candidate below threshold <0.5>"),
            DriftResult(note: "decode-path", noteTitle: "How decode reaches the kernel", status: .exact, confidence: 1,
                        oldFile: paPath, oldLines: decodeFirst...(decodeFirst + 3), newFile: paPath, newLines: decodeFirst...(decodeFirst + 3)),
        ]
        let article = SiteArticle(slug: "paged-attention", title: "PagedAttention, explained",
                                  body: TrustedHTML(trusted: "<h1>PagedAttention, explained</h1>\n<p>The KV cache is split into blocks.</p>\n"))
        return SiteModel(title: "vLLM fixture", files: files, symbols: allSymbols, notes: notes, tours: [tour],
                         kernels: kernels, drift: drift, articles: [article])
    }

    /// A fresh temporary folder.
    static func temporaryDirectory(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("marginalia-site-tests")
            .appendingPathComponent(name + "-" + String(ProcessInfo.processInfo.processIdentifier))
        try? FileManager.default.removeItem(at: url)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every file below `root`: relative path -> bytes.
    static func snapshot(_ root: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        let walker = FileManager.default.enumerator(atPath: root.path)!
        for case let relative as String in walker {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { out[relative] = FileManager.default.contents(atPath: root.appendingPathComponent(relative).path) }
        }
        return out
    }
}
