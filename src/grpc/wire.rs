//! How answers reach the socket: in as few writes as the answers ready at once allow.
//!
//! h2 copies a DATA frame into its 16 KiB write buffer only below a threshold (256 bytes on a
//! socket that takes vectored writes, 1,024 on one that does not); a larger frame is held
//! beside the buffer, and nothing more is buffered until the two are written. A quote's
//! answer (about 1.9 KB) was therefore a write of its own: 1.76 `writev` calls a quote against
//! 0.73 a health check, and a third of a quote's CPU in the kernel's sending. Here the socket
//! says it takes no vectored writes, and an answer's small chunks go out in pieces below the
//! threshold, so that the answers ready at once share one write. A large chunk (an export's)
//! is still written beside the buffer, as before.

use super::Answer;
use std::pin::Pin;
use std::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};
use prost::bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tonic::transport::server::{Connected, TcpConnectInfo};

/// The most bytes of a piece: below h2's threshold for a socket without vectored writes.
const PIECE: usize = 1000;

/// Chunks up to this size are cut into pieces; a larger one is a bulk transfer, written beside
/// the buffer in any case, and cutting it would only add frames.
const CUT_UP_TO: usize = 16 * 1024;

/// An accepted connection that h2 writes through its buffer only.
pub struct Socket(pub TcpStream);

impl Connected for Socket {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.0.connect_info()
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        false
    }
}

/// Cuts each answer's small chunks into pieces h2 buffers (see the module's note).
#[derive(Debug, Clone, Copy, Default)]
pub struct SmallFramesLayer;

impl<S> tower::Layer<S> for SmallFramesLayer {
    type Service = SmallFrames<S>;

    fn layer(&self, inner: S) -> SmallFrames<S> {
        SmallFrames { inner }
    }
}

#[derive(Debug, Clone)]
pub struct SmallFrames<S> {
    inner: S,
}

impl<S, B> tower::Service<http::Request<B>> for SmallFrames<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = Answer<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await?;
            Ok(response.map(|body| {
                tonic::body::Body::new(Pieces {
                    inner: body,
                    rest: Bytes::new(),
                })
            }))
        })
    }
}

/// A body whose data chunks of at most `CUT_UP_TO` bytes come in pieces of at most `PIECE`.
/// The pieces share the chunk's memory; the bytes and their order are the body's own.
struct Pieces<B> {
    inner: B,
    /// What is left of the chunk being cut.
    rest: Bytes,
}

impl<B> Pieces<B> {
    fn next_piece(&mut self) -> Bytes {
        let take = self.rest.len().min(PIECE);
        self.rest.split_to(take)
    }
}

impl<B> Body for Pieces<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        if !self.rest.is_empty() {
            return Poll::Ready(Some(Ok(Frame::data(self.next_piece()))));
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) if data.len() > PIECE && data.len() <= CUT_UP_TO => {
                    self.rest = data;
                    Poll::Ready(Some(Ok(Frame::data(self.next_piece()))))
                }
                Ok(data) => Poll::Ready(Some(Ok(Frame::data(data)))),
                Err(frame) => Poll::Ready(Some(Ok(frame))),
            },
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let inner = self.inner.size_hint();
        let rest = self.rest.len() as u64;
        let mut hint = SizeHint::new();
        hint.set_lower(inner.lower() + rest);
        if let Some(upper) = inner.upper() {
            hint.set_upper(upper + rest);
        }
        hint
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::convert::Infallible;

    type Frames = futures::stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, Infallible>>>;

    /// A body of the given chunks, then trailers.
    fn body(chunks: &[usize]) -> http_body_util::StreamBody<Frames> {
        let mut frames: Vec<Result<Frame<Bytes>, Infallible>> = chunks
            .iter()
            .enumerate()
            .map(|(i, n)| Ok(Frame::data(Bytes::from(vec![i as u8; *n]))))
            .collect();
        let mut trailers = http::HeaderMap::new();
        trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
        frames.push(Ok(Frame::trailers(trailers)));
        http_body_util::StreamBody::new(futures::stream::iter(frames))
    }

    #[tokio::test]
    async fn an_answer_comes_in_small_pieces_with_every_byte_in_order_and_its_trailers() {
        let chunks = [5, 1901, PIECE, PIECE + 1, CUT_UP_TO, CUT_UP_TO + 1, 0, 3];
        let mut pieces = Pieces {
            inner: body(&chunks),
            rest: Bytes::new(),
        };
        let mut data = Vec::new();
        let mut sizes = Vec::new();
        let mut trailers = None;
        while let Some(frame) = pieces.frame().await {
            let frame = frame.expect("infallible");
            match frame.into_data() {
                Ok(d) => {
                    sizes.push(d.len());
                    data.extend_from_slice(&d);
                }
                Err(frame) => trailers = frame.into_trailers().ok(),
            }
        }
        let whole: Vec<u8> = chunks
            .iter()
            .enumerate()
            .flat_map(|(i, n)| std::iter::repeat_n(i as u8, *n))
            .collect();
        assert_eq!(data, whole, "the same bytes in the same order");
        // Small chunks are cut below h2's threshold; a bulk chunk passes whole.
        let cut = CUT_UP_TO.div_ceil(PIECE);
        let mut expected = vec![5, PIECE, 901, PIECE, PIECE, 1];
        expected.extend(std::iter::repeat_n(PIECE, cut - 1));
        expected.push(CUT_UP_TO - (cut - 1) * PIECE);
        expected.extend([CUT_UP_TO + 1, 0, 3]);
        assert_eq!(sizes, expected);
        assert!(sizes[..sizes.len() - 3].iter().all(|n| *n <= PIECE));
        assert_eq!(
            trailers.and_then(|t| t.get("grpc-status").cloned()),
            Some(http::HeaderValue::from_static("0"))
        );
    }

    #[tokio::test]
    async fn a_body_is_not_over_while_pieces_of_its_last_chunk_are_left() {
        // hyper ends the stream on `is_end_stream`: were it true with a piece left, the answer
        // would be cut short.
        let mut pieces = Pieces {
            inner: http_body_util::Full::new(Bytes::from(vec![7u8; 1901])),
            rest: Bytes::new(),
        };
        assert!(!pieces.is_end_stream());
        let first = pieces.frame().await.expect("a frame").expect("infallible");
        assert_eq!(first.into_data().map(|d| d.len()).ok(), Some(PIECE));
        assert!(pieces.inner.is_end_stream(), "the inner body has given all");
        assert!(!pieces.is_end_stream(), "but a piece is left");
        assert_eq!(pieces.size_hint().exact(), Some(901));
        let second = pieces.frame().await.expect("a frame").expect("infallible");
        assert_eq!(second.into_data().map(|d| d.len()).ok(), Some(901));
        assert!(pieces.is_end_stream());
        assert!(pieces.frame().await.is_none());
    }
}
