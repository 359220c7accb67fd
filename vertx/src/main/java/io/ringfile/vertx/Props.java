package io.ringfile.vertx;

import io.vertx.core.file.FileProps;

import java.nio.file.attribute.BasicFileAttributes;

/** Vert.x's {@link FileProps} of attributes read through the engine, in the units Vert.x gives (milliseconds). */
final class Props implements FileProps {
    private final long creationTime;
    private final long lastAccessTime;
    private final long lastModifiedTime;
    private final boolean directory;
    private final boolean other;
    private final boolean regularFile;
    private final boolean symbolicLink;
    private final long size;

    Props(BasicFileAttributes attributes) {
        creationTime = attributes.creationTime().toMillis();
        lastAccessTime = attributes.lastAccessTime().toMillis();
        lastModifiedTime = attributes.lastModifiedTime().toMillis();
        directory = attributes.isDirectory();
        other = attributes.isOther();
        regularFile = attributes.isRegularFile();
        symbolicLink = attributes.isSymbolicLink();
        size = attributes.size();
    }

    @Override
    public long creationTime() {
        return creationTime;
    }

    @Override
    public long lastAccessTime() {
        return lastAccessTime;
    }

    @Override
    public long lastModifiedTime() {
        return lastModifiedTime;
    }

    @Override
    public boolean isDirectory() {
        return directory;
    }

    @Override
    public boolean isOther() {
        return other;
    }

    @Override
    public boolean isRegularFile() {
        return regularFile;
    }

    @Override
    public boolean isSymbolicLink() {
        return symbolicLink;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public String toString() {
        return "FileProps[size=" + size + ", directory=" + directory + ", regularFile=" + regularFile
                + ", symbolicLink=" + symbolicLink + ", other=" + other + ", lastModifiedTime=" + lastModifiedTime
                + "]";
    }
}
