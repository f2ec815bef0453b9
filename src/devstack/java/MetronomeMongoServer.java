// A MongoDB-protocol server for the local stack, built on the mongo-java-server library (Maven
// Central) with its in-memory backend: measured here it answers the cycle's writes 100 to 200
// times faster than FerretDB v1 on SQLite (README, "Local stack"). Development and tests only.
//
// Usage: java -cp 'lib/*:classes' MetronomeMongoServer <host> <port> [<h2-file>]
// With an H2 file (METRONOME_MONGO_JAVA_STORAGE=file) the data outlives a stop and start.
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import java.util.List;
import java.util.concurrent.CountDownLatch;

public final class MetronomeMongoServer {
    private MetronomeMongoServer() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2 && args.length != 3) {
            System.err.println("usage: MetronomeMongoServer <host> <port> [<h2-file>]");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        MongoBackend backend = args.length == 3 ? new H2Backend(args[2]) : new MemoryBackend();
        // The library's newest version constant reports wire version 8; the Node driver that
        // mongoose 9 uses refuses servers below wire version 9 (MongoDB 4.4).
        backend.version(new MongoVersion() {
            @Override public List<Integer> getVersionArray() { return List.of(4, 4, 0); }
            @Override public int getWireVersion() { return 9; }
        });
        MongoServer server = new MongoServer(backend);
        server.bind(host, port);
        System.out.println("mongo-java-server listening on " + host + ":" + port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownNow();
            stopped.countDown();
        }));
        stopped.await();
    }
}
