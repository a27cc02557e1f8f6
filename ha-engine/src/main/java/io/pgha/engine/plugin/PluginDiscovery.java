package io.pgha.engine.plugin;

import io.pgha.spi.PghaException;
import io.pgha.spi.Provider;
import io.pgha.spi.SpiVersion;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the providers for {@link PluginRegistry#load}; collects every problem before failing. */
final class PluginDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(PluginDiscovery.class);
    private static final String SERVICES = "META-INF/services/";

    private final ClassLoader classPath;
    private final ClassLoader spiLoader = Provider.class.getClassLoader();
    private final ClassLoader loggingLoader = LoggerFactory.class.getClassLoader();
    private final Map<Path, PluginManifest> manifests = new HashMap<>();
    private final List<String> incompatible = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final List<LoadedProvider<?>> found = new ArrayList<>();
    private final List<PluginClassLoader> loaders = new ArrayList<>();

    PluginDiscovery(ClassLoader classPath) {
        this.classPath = classPath;
    }

    PluginRegistry discover(Optional<Path> pluginsDir) {
        for (PluginKind<?> kind : PluginKind.all()) {
            scanClassPath(kind);
        }
        pluginsDir.ifPresent(this::scanPluginsDir);
        if (!incompatible.isEmpty() || !failures.isEmpty()) {
            PluginRegistry.closeQuietly(loaders);
            List<String> all = new ArrayList<>(incompatible);
            all.addAll(failures);
            String code = incompatible.isEmpty() ? PluginErrors.PLUGIN_LOAD_FAILED : PluginErrors.PLUGIN_INCOMPATIBLE;
            throw new PghaException(code, joinProblems(all));
        }
        // the registry checks for duplicate names and closes the loaders if it refuses
        return new PluginRegistry(pluginsDir, found, loaders);
    }

    // ---- application class path

    private <P extends Provider> void scanClassPath(PluginKind<P> kind) {
        for (ServiceLoader.Provider<P> candidate : candidates(kind, ServiceLoader.load(kind.type(), classPath),
                "the class path")) {
            Class<? extends P> type = candidate.type();
            if (type.getClassLoader() instanceof PluginClassLoader) {
                continue; // reached through an odd class-path loader; plugins are scanned separately
            }
            Optional<Path> source = codeSource(type);
            PluginManifest manifest = source.map(this::manifest).orElse(PluginManifest.NONE);
            SpiVersion spi = SpiVersion.CURRENT;
            if (manifest.spiVersion().isPresent()) {
                // a jar built by the plugin parent says what it needs; one without (IDE, target/classes) was
                // compiled together with this engine
                String plugin = manifest.pluginName().orElse(type.getName());
                Optional<SpiVersion> checked = checkSpi(plugin, source.map(Path::toString).orElse("class path"),
                        manifest);
                if (checked.isEmpty()) {
                    continue;
                }
                spi = checked.get();
            }
            String pluginName = manifest.pluginName().or(manifest::title).or(() -> source.flatMap(
                    PluginDiscovery::moduleOfClassesDir)).orElse(LoadedProvider.CLASSPATH);
            String version = manifest.pluginVersion().orElse(LoadedProvider.DEV_VERSION);
            instantiate(kind, candidate, pluginName, version, spi, LoadedProvider.CLASSPATH, type.getClassLoader(),
                    "the class path");
        }
    }

    // ---- plugins directory

    private void scanPluginsDir(Path dir) {
        if (!Files.exists(dir)) {
            LOG.info("plugins directory {} does not exist: using the providers on the class path only", dir);
            return;
        }
        if (!Files.isDirectory(dir)) {
            failures.add("plugins directory " + dir + " is not a directory");
            return;
        }
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.sorted().collect(Collectors.toList());
        } catch (IOException e) {
            failures.add("cannot list plugins directory " + dir + ": " + e);
            return;
        }
        for (Path entry : entries) {
            String fileName = entry.getFileName().toString();
            if (fileName.startsWith(".")) {
                continue;
            }
            if (Files.isDirectory(entry)) {
                scanPlugin(entry);
            } else if (fileName.endsWith(".jar")) {
                LOG.warn("ignoring {}: a plugin is a directory {}/<plugin-name>/ holding its jars, not a loose jar",
                        entry, dir);
            }
        }
    }

    private void scanPlugin(Path dir) {
        String pluginName = dir.getFileName().toString();
        List<Path> jars;
        try (Stream<Path> s = Files.list(dir)) {
            jars = s.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p)).sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            failures.add("cannot list plugin directory " + dir + ": " + e);
            return;
        }
        if (jars.isEmpty()) {
            LOG.warn("ignoring plugin directory {}: it holds no jar", dir);
            return;
        }
        // check the SPI version of every jar that declares providers before loading any class of the plugin: an
        // incompatible plugin may not even link against this SPI
        List<Path> providerJars = new ArrayList<>();
        boolean refused = false;
        for (Path jar : jars) {
            try {
                if (declaresProviders(jar)) {
                    providerJars.add(jar);
                    refused |= checkSpi(pluginName, jar.toString(), manifest(jar)).isEmpty();
                }
            } catch (IOException e) {
                failures.add("plugin '" + pluginName + "': cannot read " + jar + ": " + e);
                refused = true;
            }
        }
        if (refused) {
            return;
        }
        if (providerJars.isEmpty()) {
            LOG.warn("ignoring plugin directory {}: none of its jars declares a pgha provider in {}", dir, SERVICES);
            return;
        }
        PluginClassLoader loader = new PluginClassLoader(pluginName, jars, spiLoader, loggingLoader);
        loaders.add(loader);
        for (PluginKind<?> kind : PluginKind.all()) {
            scanPluginLoader(kind, pluginName, loader);
        }
    }

    private <P extends Provider> void scanPluginLoader(PluginKind<P> kind, String pluginName,
            PluginClassLoader loader) {
        String where = "plugin '" + pluginName + "'";
        for (ServiceLoader.Provider<P> candidate : candidates(kind, ServiceLoader.load(kind.type(), loader), where)) {
            Class<? extends P> type = candidate.type();
            if (type.getClassLoader() != loader) {
                continue;
            }
            Optional<Path> jar = codeSource(type);
            if (jar.isEmpty()) {
                failures.add(where + ": cannot tell which jar " + type.getName() + " comes from");
                continue;
            }
            PluginManifest manifest = manifest(jar.get());
            // normally checked above; this catches a provider class living in a jar other than its service file's
            Optional<SpiVersion> spi = checkSpi(pluginName, jar.get().toString(), manifest);
            if (spi.isPresent()) {
                instantiate(kind, candidate, pluginName, manifest.pluginVersion().orElse("unknown"), spi.get(),
                        jar.get().toString(), loader, where);
            }
        }
    }

    // ---- shared

    /** The provider candidates, recording (instead of throwing) a broken service file or provider class. */
    private <P extends Provider> List<ServiceLoader.Provider<P>> candidates(PluginKind<P> kind,
            ServiceLoader<P> serviceLoader, String where) {
        List<ServiceLoader.Provider<P>> list = new ArrayList<>();
        Iterator<ServiceLoader.Provider<P>> it = serviceLoader.stream().iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                list.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                // a stream cannot go on after an error: report it, keep what was found
                failures.add(where + ": cannot load a " + kind.label() + ": " + describe(e));
                break;
            }
        }
        return list;
    }

    private <P extends Provider> void instantiate(PluginKind<P> kind, ServiceLoader.Provider<P> candidate,
            String pluginName, String version, SpiVersion spi, String location, ClassLoader loader, String where) {
        try {
            P provider = ContextClassLoader.call(loader, candidate::get);
            String name = ContextClassLoader.call(loader, provider::name);
            if (name == null || name.isBlank()) {
                failures.add(where + ": " + candidate.type().getName() + ".name() returned no name");
                return;
            }
            LoadedProvider<P> loaded = new LoadedProvider<>(kind, name, pluginName, version, spi, location,
                    provider, loader);
            LOG.debug("found {}", loaded.describe());
            found.add(loaded);
        } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
            failures.add(where + ": cannot instantiate " + kind.label() + " " + candidate.type().getName() + ": "
                    + describe(e));
        }
    }

    /**
     * Checks a plugin's declared SPI version; records a problem and returns empty when this engine cannot run it.
     */
    private Optional<SpiVersion> checkSpi(String plugin, String jar, PluginManifest manifest) {
        String head = "plugin '" + plugin + "' (" + jar + ")";
        String engine = "this engine implements SPI " + SpiVersion.CURRENT;
        if (manifest.spiVersion().isEmpty()) {
            incompatible.add(head + " does not declare the SPI version it was built against (manifest attribute "
                    + SpiVersion.MANIFEST_ATTRIBUTE + "); " + engine + "; rebuild the plugin with pgha-plugin-parent");
            return Optional.empty();
        }
        SpiVersion declared;
        try {
            declared = SpiVersion.parse(manifest.spiVersion().get());
        } catch (IllegalArgumentException e) {
            incompatible.add(head + " declares " + SpiVersion.MANIFEST_ATTRIBUTE + " '" + manifest.spiVersion().get()
                    + "', which is not major.minor; " + engine);
            return Optional.empty();
        }
        if (SpiVersion.CURRENT.canRun(declared)) {
            return Optional.of(declared);
        }
        String runnable = SpiVersion.CURRENT.minor() == 0 ? SpiVersion.CURRENT.toString()
                : SpiVersion.CURRENT.major() + ".0 to " + SpiVersion.CURRENT;
        String advice = declared.compareTo(SpiVersion.CURRENT) > 0
                ? "the plugin is newer than this engine: upgrade pgha or install a build of the plugin for SPI "
                        + runnable
                : "the plugin is for an older SPI major version: install a build of the plugin for SPI " + runnable;
        incompatible.add(head + " was built for SPI " + declared + ", but " + engine + "; " + advice);
        return Optional.empty();
    }

    private static boolean declaresProviders(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            for (PluginKind<?> kind : PluginKind.all()) {
                if (file.getEntry(SERVICES + kind.type().getName()) != null) {
                    return true;
                }
            }
            return false;
        }
    }

    private PluginManifest manifest(Path codeSource) {
        return manifests.computeIfAbsent(codeSource, p -> {
            try {
                return PluginManifest.read(p);
            } catch (IOException e) {
                LOG.warn("cannot read the manifest of {}: {}", p, e.toString());
                return PluginManifest.NONE;
            }
        });
    }

    private static Optional<Path> codeSource(Class<?> type) {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(cs.getLocation().toURI()).toAbsolutePath());
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return Optional.empty();
        }
    }

    /** {@code dcs-etcd} for {@code .../dcs-etcd/target/classes}: a module's output directory in a dev build. */
    private static Optional<String> moduleOfClassesDir(Path dir) {
        Path classes = dir.getFileName();
        Path target = dir.getParent() == null ? null : dir.getParent().getFileName();
        Path module = dir.getParent() == null || dir.getParent().getParent() == null ? null
                : dir.getParent().getParent().getFileName();
        if (classes != null && target != null && module != null && classes.toString().equals("classes")
                && target.toString().equals("target")) {
            return Optional.of(module.toString());
        }
        return Optional.empty();
    }

    /** Where a provider really comes from, for messages: its jar, or the class-path entry holding it. */
    static String origin(LoadedProvider<?> p) {
        if (!p.fromClassPath()) {
            return p.location();
        }
        return "class path: " + codeSource(p.provider().getClass()).map(Path::toString).orElse("unknown location");
    }

    static String joinProblems(List<String> problems) {
        if (problems.size() == 1) {
            return problems.get(0);
        }
        return problems.size() + " plugin problems:\n  - " + String.join("\n  - ", problems);
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append("; caused by ").append(c);
        }
        return sb.toString();
    }
}
