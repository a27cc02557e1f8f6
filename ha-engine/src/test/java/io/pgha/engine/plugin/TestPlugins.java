package io.pgha.engine.plugin;

import io.pgha.spi.Provider;
import io.pgha.spi.SpiVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds real plugin directories at test time: compiles small providers with javac and packs them into jars with a
 * manifest and {@code META-INF/services}, next to a library jar holding {@code com.example.shared.Lib}.
 */
public final class TestPlugins {
    /** The class every test plugin carries in its own library jar, under this same name. */
    public static final String LIB = "com.example.shared.Lib";

    private static final Map<String, Path> COMPILED = new ConcurrentHashMap<>();

    private TestPlugins() {
    }

    /** One test plugin: a provider jar (+ services and manifest) and a library jar. */
    public record Spec(String pluginName, String pluginVersion, String spiVersion, String libVersion,
            Map<String, PluginKind<?>> providers) {

        /** A plugin with one DCS provider, built for the current SPI. */
        public static Spec dcs(String pluginName, String providerName, String pluginVersion, String libVersion) {
            return new Spec(pluginName, pluginVersion, SpiVersion.CURRENT.toString(), libVersion,
                    Map.of(providerName, PluginKind.DCS));
        }

        public Spec withSpi(String spi) {
            return new Spec(pluginName, pluginVersion, spi, libVersion, providers);
        }

        public Spec withProvider(String name, PluginKind<?> kind) {
            Map<String, PluginKind<?>> more = new LinkedHashMap<>(providers);
            more.put(name, kind);
            return new Spec(pluginName, pluginVersion, spiVersion, libVersion, more);
        }
    }

    /**
     * Writes {@code pluginsDir/<pluginName>/<pluginName>-<version>.jar} and {@code .../shared-lib-<lib>.jar}.
     * A {@code null} spiVersion leaves {@code Pgha-Spi-Version} out of the manifest.
     *
     * @return the provider jar
     */
    public static Path install(Path pluginsDir, Spec spec) {
        Path dir = pluginsDir.resolve(spec.pluginName());
        Path classes = compiled(spec);
        Map<String, String> manifest = new LinkedHashMap<>();
        manifest.put("Pgha-Plugin-Name", spec.pluginName());
        manifest.put("Pgha-Plugin-Version", spec.pluginVersion());
        if (spec.spiVersion() != null) {
            manifest.put(SpiVersion.MANIFEST_ATTRIBUTE, spec.spiVersion());
        }
        Map<String, List<String>> services = new LinkedHashMap<>();
        spec.providers().forEach((name, kind) -> services.computeIfAbsent(kind.type().getName(),
                k -> new ArrayList<>()).add(providerClass(spec, name)));
        Path jar = dir.resolve(spec.pluginName() + "-" + spec.pluginVersion() + ".jar");
        writeJar(jar, classes, "com/example/" + pkg(spec.pluginName()) + "/", manifest, services);
        writeJar(dir.resolve("shared-lib-" + spec.libVersion() + ".jar"), classes, "com/example/shared/",
                Map.of("Implementation-Version", spec.libVersion()), Map.of());
        return jar;
    }

    /** Fully-qualified class name of the provider called {@code name} in {@code spec}. */
    public static String providerClass(Spec spec, String name) {
        return "com.example." + pkg(spec.pluginName()) + "." + cls(name);
    }

    private static Path compiled(Spec spec) {
        String key = spec.pluginName() + "|" + spec.libVersion() + "|" + spec.providers();
        return COMPILED.computeIfAbsent(key, k -> compile(spec));
    }

    private static Path compile(Spec spec) {
        try {
            Path work = Files.createTempDirectory("pgha-test-plugin-");
            work.toFile().deleteOnExit();
            Path src = work.resolve("src");
            Path out = work.resolve("classes");
            Files.createDirectories(out);
            List<Path> files = new ArrayList<>();
            files.add(write(src, LIB, "package com.example.shared;\n"
                    + "public final class Lib {\n"
                    + "    public static String version() { return \"" + spec.libVersion() + "\"; }\n"
                    + "}\n"));
            for (Map.Entry<String, PluginKind<?>> p : spec.providers().entrySet()) {
                String fqcn = providerClass(spec, p.getKey());
                files.add(write(src, fqcn, providerSource(fqcn, p.getKey(), p.getValue())));
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            if (javac == null) {
                throw new IllegalStateException("no system Java compiler: run the tests on a JDK, not a JRE");
            }
            String classpath = Stream.of(Provider.class, org.slf4j.Logger.class).map(TestPlugins::location)
                    .collect(Collectors.joining(java.io.File.pathSeparator));
            List<String> args = new ArrayList<>(List.of("--release", "17", "-proc:none", "-classpath", classpath,
                    "-d", out.toString()));
            files.forEach(f -> args.add(f.toString()));
            ByteArrayOutputStream errors = new ByteArrayOutputStream();
            int rc = javac.run(null, OutputStream.nullOutputStream(), errors, args.toArray(String[]::new));
            if (rc != 0) {
                throw new IllegalStateException(
                        "javac failed (" + rc + "):\n" + errors.toString(java.nio.charset.StandardCharsets.UTF_8));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A provider whose {@code toString()} reports the {@code Lib} version it links against and whether its own
     * class loader is the thread's context class loader.
     */
    private static String providerSource(String fqcn, String name, PluginKind<?> kind) {
        String pkg = fqcn.substring(0, fqcn.lastIndexOf('.'));
        String simple = fqcn.substring(fqcn.lastIndexOf('.') + 1);
        String method;
        if (kind == PluginKind.DCS) {
            method = "public io.pgha.spi.dcs.DcsClient open(io.pgha.spi.ConfigSection s, io.pgha.spi.dcs.DcsContext c)";
        } else if (kind == PluginKind.REPLICA_METHOD) {
            method = "public io.pgha.spi.replica.ReplicaMethod create(io.pgha.spi.ConfigSection s, "
                    + "io.pgha.spi.PluginContext c)";
        } else if (kind == PluginKind.BOOTSTRAP_METHOD) {
            method = "public io.pgha.spi.bootstrap.BootstrapMethod create(io.pgha.spi.ConfigSection s, "
                    + "io.pgha.spi.PluginContext c)";
        } else {
            method = "public io.pgha.spi.callback.LifecycleListener create(io.pgha.spi.ConfigSection s, "
                    + "io.pgha.spi.PluginContext c)";
        }
        return "package " + pkg + ";\n"
                + "public final class " + simple + " implements " + kind.type().getName() + " {\n"
                + "    public String name() { return \"" + name + "\"; }\n"
                + "    " + method + " { throw new UnsupportedOperationException(); }\n"
                + "    @Override public String toString() {\n"
                + "        return com.example.shared.Lib.version() + \" tccl=\"\n"
                + "            + (Thread.currentThread().getContextClassLoader() == getClass().getClassLoader());\n"
                + "    }\n"
                + "}\n";
    }

    private static Path write(Path src, String fqcn, String code) throws IOException {
        Path f = src.resolve(fqcn.replace('.', '/') + ".java");
        Files.createDirectories(f.getParent());
        return Files.writeString(f, code);
    }

    /** A jar of the classes under {@code prefix} in {@code classes}, with the manifest and service files given. */
    public static void writeJar(Path jar, Path classes, String prefix, Map<String, String> manifestAttributes,
            Map<String, List<String>> services) {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifestAttributes.forEach((k, v) -> mf.getMainAttributes().putValue(k, v));
        try {
            Files.createDirectories(jar.getParent());
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf);
                    Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().collect(Collectors.toList())) {
                    String entry = classes.relativize(f).toString().replace('\\', '/');
                    if (entry.startsWith(prefix)) {
                        out.putNextEntry(new JarEntry(entry));
                        out.write(Files.readAllBytes(f));
                        out.closeEntry();
                    }
                }
                for (Map.Entry<String, List<String>> s : services.entrySet()) {
                    out.putNextEntry(new JarEntry("META-INF/services/" + s.getKey()));
                    out.write((String.join("\n", s.getValue()) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    out.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pkg(String pluginName) {
        return pluginName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
    }

    private static String cls(String providerName) {
        String s = providerName.replaceAll("[^A-Za-z0-9]", "_");
        return "P_" + s + "_Provider";
    }
}
