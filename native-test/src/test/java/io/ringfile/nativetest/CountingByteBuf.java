package io.ringfile.nativetest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;

import java.util.concurrent.atomic.AtomicInteger;

/** A direct {@link ByteBuf} that counts the references taken and given back, to check them against completions. */
final class CountingByteBuf extends UnpooledDirectByteBuf {
    final AtomicInteger retains = new AtomicInteger();
    final AtomicInteger releases = new AtomicInteger();

    CountingByteBuf(int capacity) {
        super(UnpooledByteBufAllocator.DEFAULT, capacity, capacity);
    }

    @Override
    public ByteBuf retain() {
        retains.incrementAndGet();
        return super.retain();
    }

    @Override
    public ByteBuf retain(int increment) {
        retains.addAndGet(increment);
        return super.retain(increment);
    }

    @Override
    public boolean release() {
        releases.incrementAndGet();
        return super.release();
    }

    @Override
    public boolean release(int decrement) {
        releases.addAndGet(decrement);
        return super.release(decrement);
    }
}
