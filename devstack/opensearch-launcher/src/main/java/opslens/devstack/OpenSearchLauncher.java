package opslens.devstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.index.mapper.MapperExtrasPlugin;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Runs one single-node OpenSearch in this JVM, with the modules we need loaded
 * from the classpath instead of a distribution's modules/ directory.
 *
 * <p>Arguments are node settings as {@code key=value}; they override the
 * defaults below. {@code path.home} is required. The process runs until it
 * receives SIGTERM/SIGINT, when a shutdown hook closes the node cleanly.
 * Bootstrap checks and the security manager are not used (dev/test only).
 */
public final class OpenSearchLauncher {

    /** Modules that a distribution would load from modules/. */
    static final List<Class<? extends Plugin>> PLUGINS = List.of(
        Netty4Plugin.class,
        CommonAnalysisPlugin.class,
        MapperExtrasPlugin.class,
        ReindexPlugin.class,
        PainlessPlugin.class
    );

    static final Map<String, String> DEFAULTS = Map.of(
        "cluster.name", "opslens-dev",
        "node.name", "opslens-dev-0",
        "discovery.type", "single-node",
        "network.host", "127.0.0.1",
        "http.type", "netty4",
        "transport.type", "netty4",
        "cluster.routing.allocation.disk.threshold_enabled", "false",
        "action.auto_create_index", "true"
    );

    /** Exposes Node's protected constructor that accepts classpath plugins. */
    static final class LauncherNode extends Node {
        LauncherNode(Environment env, Collection<Class<? extends Plugin>> plugins) {
            super(env, plugins, true);
        }
    }

    private OpenSearchLauncher() {}

    static Settings parse(String[] args) {
        Settings.Builder b = Settings.builder();
        DEFAULTS.forEach(b::put);
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got: " + arg);
            }
            b.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Settings s = b.build();
        if (s.get("path.home") == null) {
            throw new IllegalArgumentException("path.home=... is required");
        }
        return s;
    }

    public static void main(String[] args) throws Exception {
        Settings settings = parse(args);
        Files.createDirectories(Path.of(settings.get("path.home")));
        Environment env = InternalSettingsPreparer.prepareEnvironment(
            settings, Map.of(), null, () -> settings.get("node.name"));
        Node node = new LauncherNode(env, PLUGINS);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                closed.countDown();
            }
        }, "opslens-shutdown"));
        try {
            node.start();
        } catch (Throwable t) {
            t.printStackTrace();
            Runtime.getRuntime().halt(1);
        }
        System.out.println("opslens-opensearch-launcher: node started");
        closed.await();
    }
}
