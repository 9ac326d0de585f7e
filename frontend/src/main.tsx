import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { App } from './App'
import { ApiError } from './lib/api'
import { clearAdminToken } from './lib/admin-token'
import './styles.css'

const queryClient = new QueryClient({
  // A 401 anywhere means the stored admin token is wrong or gone: drop it, ask again.
  queryCache: new QueryCache({
    onError: (error) => {
      if (error instanceof ApiError && error.status === 401) clearAdminToken()
    },
  }),
  defaultOptions: {
    queries: {
      // Client errors (bad filter, 401, 404) will not fix themselves; network blips might.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
    },
  },
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
)
