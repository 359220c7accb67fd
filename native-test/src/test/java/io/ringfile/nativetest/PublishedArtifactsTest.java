package io.ringfile.nativetest;

import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a user of the published artifacts gets. This module depends on {@code ringfile-engine} as any consumer does,
 * so its test class path is what Maven resolves for one; the POM files checked here are the ones Maven installs
 * and deploys (it publishes them as written, without interpolating properties).
 */
class PublishedArtifactsTest {
    /** ELF {@code e_machine} values of the architectures Ringfile ships a native library for. */
    private static final Map<String, Integer> ELF_MACHINE_BY_CLASSIFIER = Map.of(
            "linux-x86_64", 62,    // EM_X86_64
            "linux-aarch_64", 183); // EM_AARCH64

    private static final Pattern NATIVE_JAR =
            Pattern.compile("netty-transport-native-io_uring-(.+)-(linux-[a-z0-9_]+)\\.jar");
    private static final Pattern CLASSES_JAR = Pattern.compile("netty-transport-classes-io_uring-(.+)\\.jar");

    /** The reactor root, set by the POM. */
    private static final Path ROOT = Path.of(System.getProperty("ringfile.nativetest.root", ".."));

    @Test
    void aConsumerOfTheEngineGetsTheNativeLibraryOfEveryShippedArchitecture() throws IOException {
        Map<String, Path> nativeJars = new TreeMap<>();
        String classesVersion = null;
        for (String entry : ChildJvm.testClassPath()) {
            String name = Path.of(entry).getFileName().toString();
            Matcher nativeJar = NATIVE_JAR.matcher(name);
            if (nativeJar.matches()) {
                nativeJars.put(nativeJar.group(2), Path.of(entry));
            }
            Matcher classesJar = CLASSES_JAR.matcher(name);
            if (classesJar.matches()) {
                classesVersion = classesJar.group(1);
            }
        }
        assertNotNull(classesVersion, "netty-transport-classes-io_uring is not on the test class path");
        assertEquals(ELF_MACHINE_BY_CLASSIFIER.keySet(), nativeJars.keySet(),
                "classifiers of netty-transport-native-io_uring on the test class path: " + nativeJars.values());
        // Netty looks for lib<name>_<PlatformDependent.normalizedArch()>.so: on this machine, one of the two jars'.
        String here = "libnetty_transport_native_io_uring42_" + PlatformDependent.normalizedArch() + ".so";
        boolean found = false;
        for (Map.Entry<String, Path> jar : nativeJars.entrySet()) {
            Matcher name = NATIVE_JAR.matcher(jar.getValue().getFileName().toString());
            assertTrue(name.matches());
            assertEquals(classesVersion, name.group(1), "native jar and io_uring classes must be one Netty version");
            // Netty loads META-INF/native/lib<name>_<arch>.so, arch as Netty normalizes it (x86_64, aarch_64).
            String arch = jar.getKey().substring("linux-".length());
            String library = "META-INF/native/libnetty_transport_native_io_uring42_" + arch + ".so";
            try (JarFile file = new JarFile(jar.getValue().toFile())) {
                JarEntry so = file.getJarEntry(library);
                assertNotNull(so, jar.getValue() + " has no " + library);
                found |= library.endsWith("/" + here);
                byte[] header;
                try (InputStream in = file.getInputStream(so)) {
                    header = in.readNBytes(20);
                }
                assertEquals(20, header.length, library + " is shorter than an ELF header");
                assertEquals("\u007fELF", new String(header, 0, 4, StandardCharsets.ISO_8859_1),
                        library + " is not an ELF file");
                assertEquals(2, header[4], library + " is not a 64-bit ELF file");
                assertEquals(1, header[5], library + " is not little-endian");
                int machine = (header[18] & 0xff) | (header[19] & 0xff) << 8;
                assertEquals(ELF_MACHINE_BY_CLASSIFIER.get(jar.getKey()), machine,
                        library + " is built for another architecture (ELF e_machine)");
            }
        }
        Assumptions.assumeTrue(ELF_MACHINE_BY_CLASSIFIER.containsKey("linux-" + PlatformDependent.normalizedArch()),
                () -> "Ringfile ships no native library for " + PlatformDependent.normalizedArch());
        assertTrue(found, "no jar holds " + here + ", the library Netty loads on this machine");
    }

    /**
     * A property in a published dependency's coordinates is resolved in the consumer's build, from the parent POM's
     * default, whatever the consumer's machine is: that is how ARM64 users used to get the x86_64 library.
     */
    @Test
    void publishedPomsNameTheirDependenciesLiterally() throws Exception {
        List<String> problems = new ArrayList<>();
        for (String module : List.of("fallback-nio", "engine", "netty-http", "vertx", "micrometer", "bom")) {
            Path pom = ROOT.resolve(module).resolve("pom.xml");
            if (!Files.isRegularFile(pom)) {
                problems.add("no " + module + "/pom.xml");
                continue;
            }
            NodeList dependencies = parse(pom).getElementsByTagName("dependency");
            for (int i = 0; i < dependencies.getLength(); i++) {
                Element dependency = (Element) dependencies.item(i);
                for (String field : List.of("groupId", "artifactId", "version", "classifier", "type", "scope")) {
                    String value = child(dependency, field);
                    boolean allowed = value == null || !value.contains("${")
                            || field.equals("version") && value.equals("${project.version}");
                    if (!allowed) {
                        problems.add(module + "/pom.xml: " + child(dependency, "artifactId") + " " + field + " "
                                + value);
                    }
                }
            }
        }
        assertEquals(List.of(), problems, "dependency coordinates a consumer would resolve from build properties");
        // The Vert.x module imports Netty's BOM (literally) ahead of Vert.x's: it must be the build's Netty version.
        String netty = property(parse(ROOT.resolve("pom.xml")).getDocumentElement(), "netty.version");
        NodeList imports = parse(ROOT.resolve("vertx/pom.xml")).getElementsByTagName("dependency");
        String imported = null;
        for (int i = 0; i < imports.getLength(); i++) {
            Element dependency = (Element) imports.item(i);
            if ("netty-bom".equals(child(dependency, "artifactId"))) {
                imported = child(dependency, "version");
            }
        }
        assertEquals(netty, imported, "vertx/pom.xml imports Netty's BOM at the parent's netty.version");
    }

    /** The BOM: the published artifacts, at this version, and nothing it would inherit from the build's parent. */
    @Test
    void theBomManagesEveryPublishedArtifactAtTheProjectVersion() throws Exception {
        Path bomPom = ROOT.resolve("bom/pom.xml");
        assertTrue(Files.isRegularFile(bomPom), "no BOM module: " + bomPom);
        Document parent = parse(ROOT.resolve("pom.xml"));
        Document bom = parse(bomPom);
        Element bomProject = bom.getDocumentElement();

        List<String> modules = children(parent.getDocumentElement(), "modules", "module");
        assertTrue(modules.contains("bom"), "the parent does not build the BOM: " + modules);
        // Importing a BOM imports everything it manages, inherited entries included (Netty, JUnit, JMH here).
        assertEquals(List.of(), children(bomProject, "parent"), "the BOM must not inherit the build's parent");
        assertEquals("ringfile-bom", child(bomProject, "artifactId"));
        assertEquals("pom", child(bomProject, "packaging"));
        assertEquals(child(parent.getDocumentElement(), "groupId"), child(bomProject, "groupId"));
        assertEquals(System.getProperty("ringfile.nativetest.version"), child(bomProject, "version"),
                "the BOM's version must be the project version");
        for (String metadata : List.of("url", "licenses", "scm", "developers")) {
            assertEquals(normalized(parent.getDocumentElement(), metadata), normalized(bomProject, metadata),
                    "the BOM's " + metadata + " must be the parent's");
        }

        List<String> published = new ArrayList<>();
        for (String module : modules) {
            Element project = parse(ROOT.resolve(module).resolve("pom.xml")).getDocumentElement();
            String packaging = child(project, "packaging");
            boolean unpublished = "true".equals(property(project, "maven.deploy.skip"));
            assertEquals(unpublished, "true".equals(property(project, "maven.install.skip")),
                    module + ": installed but not deployed, or the reverse");
            if (!unpublished && (packaging == null || packaging.equals("jar"))) {
                published.add(child(project, "artifactId"));
            }
        }
        assertEquals(List.of("ringfile-fallback-nio", "ringfile-engine", "ringfile-netty-http",
                "ringfile-vertx", "ringfile-micrometer"), published,
                "published jar modules");
        assertFalse(modules.isEmpty());

        List<String> managed = new ArrayList<>();
        NodeList dependencies = bom.getElementsByTagName("dependency");
        for (int i = 0; i < dependencies.getLength(); i++) {
            Element dependency = (Element) dependencies.item(i);
            assertEquals("${project.version}", child(dependency, "version"), child(dependency, "artifactId"));
            assertEquals(child(bomProject, "groupId"), child(dependency, "groupId"));
            managed.add(child(dependency, "artifactId"));
        }
        assertEquals(published, managed, "artifacts the BOM manages");
    }

    /** After {@code package}, each published jar module has its sources and Javadoc jars beside its jar. */
    @Test
    void publishedModulesShipSourcesAndJavadocJars() throws IOException {
        String version = System.getProperty("ringfile.nativetest.version");
        for (String[] module : new String[][] {
                {"fallback-nio", "ringfile-fallback-nio", "io/ringfile/internal/nio/NioBackend"},
                {"engine", "ringfile-engine", "io/ringfile/FileEngine"},
                {"netty-http", "ringfile-netty-http", "io/ringfile/netty/http/StaticFileHandler"},
                {"vertx", "ringfile-vertx", "io/ringfile/vertx/RingfileFileSystem"},
                {"micrometer", "ringfile-micrometer", "io/ringfile/micrometer/RingfileMetrics"}}) {
            Path target = ROOT.resolve(module[0]).resolve("target");
            Path jar = target.resolve(module[1] + "-" + version + ".jar");
            Assumptions.assumeTrue(Files.isRegularFile(jar),
                    () -> jar + " is not built (this run did not reach the package phase)");
            Path sourcesJar = target.resolve(module[1] + "-" + version + "-sources.jar");
            Path javadocJar = target.resolve(module[1] + "-" + version + "-javadoc.jar");
            assertTrue(Files.isRegularFile(sourcesJar), "no sources jar beside " + jar);
            assertTrue(Files.isRegularFile(javadocJar), "no Javadoc jar beside " + jar);
            try (JarFile sources = new JarFile(sourcesJar.toFile())) {
                assertNotNull(sources.getJarEntry(module[2] + ".java"), "sources jar lacks " + module[2]);
                assertNotNull(sources.getJarEntry("module-info.java"), "sources jar lacks module-info.java");
            }
            try (JarFile javadoc = new JarFile(javadocJar.toFile())) {
                assertNotNull(javadoc.getJarEntry("index.html"), "javadoc jar lacks index.html");
                if (module[0].equals("engine")) {
                    boolean documented =
                            javadoc.stream().anyMatch(e -> e.getName().endsWith("io/ringfile/FileEngine.html"));
                    assertTrue(documented, "javadoc jar does not document io.ringfile.FileEngine");
                }
                if (module[0].equals("netty-http")) {
                    boolean documented = javadoc.stream()
                            .anyMatch(e -> e.getName().endsWith("io/ringfile/netty/http/StaticFileHandler.html"));
                    assertTrue(documented, "javadoc jar does not document io.ringfile.netty.http.StaticFileHandler");
                }
            }
        }
    }

    private static Document parse(Path pom) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(pom.toFile());
    }

    /** The trimmed text of {@code element}'s direct child {@code name}, or null. */
    private static String child(Element element, String name) {
        for (Node n = element.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element && ((Element) n).getTagName().equals(name)) {
                return n.getTextContent().trim();
            }
        }
        return null;
    }

    /** Texts of the elements at {@code path} below {@code element}, following direct children only. */
    private static List<String> children(Element element, String... path) {
        List<Element> level = List.of(element);
        for (String name : path) {
            List<Element> next = new ArrayList<>();
            for (Element e : level) {
                for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
                    if (n instanceof Element && ((Element) n).getTagName().equals(name)) {
                        next.add((Element) n);
                    }
                }
            }
            level = next;
        }
        List<String> texts = new ArrayList<>();
        level.forEach(e -> texts.add(e.getTextContent().trim()));
        return texts;
    }

    private static String property(Element project, String name) {
        List<String> values = children(project, "properties", name);
        return values.isEmpty() ? null : values.get(0);
    }

    /** A direct child's text with white space collapsed, so layout does not matter. */
    private static String normalized(Element project, String name) {
        List<String> texts = children(project, name);
        assertFalse(texts.isEmpty(), "no " + name + " in " + child(project, "artifactId"));
        return texts.get(0).replaceAll("\\s+", " ");
    }
}
